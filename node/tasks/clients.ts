import {
  definedOnly,
  KEY_VARS,
  type ModelsConfig,
  OLLAMA_DEFAULT_HOST,
  PROVIDER_DEFAULTS,
  parseModelSpec,
  URL_VARS,
} from '../models/config.js';
import { isModelError } from '../models/errors.js';
import type { ChatClient } from '../models/llm.js';
import { createPricing, type Pricing } from '../models/pricing.js';
import { sdkClients } from '../models/sdk-clients.js';

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
    const { provider, model, id } = spec;
    const t = {
      ...PROVIDER_DEFAULTS[provider],
      ...definedOnly(config[provider] ?? {}),
      ...definedOnly(config.perModel?.[id] ?? {}),
    };
    maxOutputTokens[id] = t.maxOutputTokens;
    if (provider === 'ollama') {
      const host = config.ollama?.host || env.OLLAMA_HOST || OLLAMA_DEFAULT_HOST;
      found.push((await sdkClients.ollama())({ ...t, model, host, keepAlive: config.ollama?.keepAlive }));
      continue;
    }
    const apiKey = config[provider]?.apiKey ?? env[KEY_VARS[provider]];
    if (!apiKey) {
      skipped.push({ id, message: `${id} skipped: ${KEY_VARS[provider]} is not set` });
      continue;
    }
    const baseURL = config[provider]?.baseURL ?? (env[URL_VARS[provider]] || undefined);
    found.push(
      provider === 'openai'
        ? (await sdkClients.openai())({
            ...t,
            model,
            apiKey,
            baseURL,
            streamUsage: config.openai?.streamUsage,
          })
        : (await sdkClients.anthropic())({ ...t, model, apiKey, baseURL }),
    );
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
