import { type ModelsConfig, parseModelSpec } from '../models/config.js';
import { isModelError } from '../models/errors.js';
import type { ChatClient } from '../models/llm.js';
import { createPricing, type Pricing } from '../models/pricing.js';
import { chatClientFor } from '../models/sdk-clients.js';

/** The chat models a task can use: a ModelSet's generators only speak registries, tasks need raw chat. */
export interface TaskModels {
  clients: ChatClient[];
  /** `openai:gpt-4o-mini skipped: OPENAI_API_KEY is not set` */
  skipped: { id: string; message: string }[];
  pricing: Pricing;
  /** output tokens asked for per answer, by client id */
  maxOutputTokens: Record<string, number>;
}

/**
 * The configured LLM clients, read the way createGenerators reads them (config.models, else
 * WEAVERGEN_MODELS; each SDK's own key and base-URL variables); `builtin` is ignored. Each client is
 * probed (unless `probe: false`) and skipped with a reason when its server does not answer.
 */
export async function createTaskModels(
  config: ModelsConfig = {},
  options: { env?: NodeJS.ProcessEnv; probeTimeoutMs?: number } = {},
): Promise<TaskModels> {
  const env = options.env ?? process.env;
  const { specs, problems } = parseModelSpec(config.models ?? env.WEAVERGEN_MODELS ?? '');
  const skipped = problems.map((p) => ({ id: p.id, message: p.message }));
  const found: ChatClient[] = [];
  const maxOutputTokens: Record<string, number> = {};
  for (const spec of specs) {
    if (spec.provider === 'builtin') continue;
    const made = await chatClientFor(spec, config, env);
    if ('skipped' in made) {
      skipped.push({ id: spec.id, message: made.skipped });
      continue;
    }
    maxOutputTokens[spec.id] = made.settings.maxOutputTokens;
    found.push(made.client);
  }
  let clients = found;
  if (config.probe !== false) {
    const ms = options.probeTimeoutMs ?? config.probeTimeoutMs ?? 5000;
    const errors = await Promise.all(
      found.map((c) =>
        c.probe(AbortSignal.timeout(ms)).then(
          () => undefined,
          (e: unknown) => (isModelError(e) ? e.message : String((e as Error)?.message ?? e)),
        ),
      ),
    );
    clients = found.filter((_, i) => errors[i] === undefined);
    for (const [i, c] of found.entries())
      if (errors[i] !== undefined) skipped.push({ id: c.id, message: `${c.id} skipped: ${errors[i]}` });
  }
  return { clients, skipped, pricing: createPricing(config.prices), maxOutputTokens };
}
