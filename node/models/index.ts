import type { GeneratedFile, Language, TemplateRegistry } from '../generation/index.js';
import type { Pack } from '../packs/index.js';
import type { EmitScope } from '../validation/index.js';
import { BUILTIN_ID, createBuiltinGenerator } from './builtin.js';
import { createLimiter, type Limiter } from './concurrency.js';
import { type ModelsConfig, ModelsConfigSchema, parseModelSpec } from './config.js';
import { ModelError, ModelErrorCode } from './errors.js';
import { createFallbackGenerator } from './fallback.js';
import { createLlmGenerator } from './llm.js';
import { createPricing } from './pricing.js';
import { probeWithin } from './probe.js';
import { chatClientFor } from './sdk-clients.js';

export { BUILTIN_ID, createBuiltinGenerator } from './builtin.js';
export { chunkRegistry, estimateTokens, type RegistryChunk, subRegistry } from './chunking.js';
export { createLimiter, type Limiter } from './concurrency.js';
export {
  type ModelSpec,
  type ModelsConfig,
  ModelsConfigSchema,
  PROVIDER_DEFAULTS,
  parseModelSpec,
} from './config.js';
export {
  isModelError,
  ModelError,
  ModelErrorCode,
  type ModelErrorType,
  type ModelFailure,
  TRANSIENT_CODES,
} from './errors.js';
export { type Extraction, extractFiles } from './extract.js';
export { createFallbackGenerator } from './fallback.js';
export { feedbackFromValidation, routeFeedback } from './feedback.js';
export { type ChatAnswer, type ChatClient, type ChatRequest, createLlmGenerator } from './llm.js';
export { createPricing, DEFAULT_PRICES, type Price, type PriceTable, type Pricing } from './pricing.js';
export { createPromptRenderer, type PromptFeedback } from './prompt.js';
export { findPromptPack, PROMPT_PACKS_DIR, promptPacks } from './prompt-packs.js';

/** `plugin`: a generator a plugin brings (node/plugins), id `plugin:<name>` */
export type GeneratorKind = 'builtin' | 'ollama' | 'openai' | 'anthropic' | 'plugin';

/** One compiler/linter finding of the previous round, located in a generated file. */
export interface FeedbackDiagnostic {
  file: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

/** What a previous round's validation said, fed into the next round's prompt. */
export interface Feedback {
  /** 1 for the first correction */
  round?: number;
  summary?: string;
  diagnostics: FeedbackDiagnostic[];
  /** registry symbols the output lacks, e.g. `attribute http.request.method (expected ATTR_HTTP_REQUEST_METHOD)` */
  missing?: string[];
  misnamed?: string[];
  wrongValue?: string[];
  /** emitted names the registry does not have, with where they are */
  invented?: string[];
  /** deprecated registry items the output does not mark deprecated */
  unmarkedDeprecated?: string[];
  /** items marked deprecated that the registry does not deprecate */
  falselyDeprecated?: string[];
  failingTests?: string[];
  /** the previous output: shown to the model to correct, and reused for chunks with nothing to fix */
  previous?: { files: GeneratedFile[]; chunks?: ChunkRecord[]; model?: string };
}

export interface GenerateRequest {
  language: Language;
  /** the resolved registry, as templates see it */
  model: TemplateRegistry;
  /** a template pack for builtin, a prompt pack for the LLM generators; default: the language's built-in one */
  pack?: Pack;
  params?: Record<string, string>;
  feedback?: Feedback;
  signal?: AbortSignal;
  onProgress?: (event: GenerationProgress) => void;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** false when the price table has no price for the model (costUsd is then 0) */
  priced: boolean;
  /** the server reported no usage for some answer: those tokens are chars/4 estimates */
  estimated?: true;
}

/** One prompt's worth of the registry and what came of it. */
export interface ChunkRecord {
  id: string;
  namespaces: string[];
  files: string[];
  inputTokens: number;
  outputTokens: number;
  /** nothing to fix in a correction round: the previous files were kept without asking the model */
  reused: boolean;
  durationMs: number;
}

export interface FallbackRecord {
  from: string;
  to: string;
  code: ModelErrorCode;
  reason: string;
}

export interface GenerateResult {
  files: GeneratedFile[];
  usage: Usage;
  /** the generator that produced the files (after a fallback: not the one asked) */
  model: string;
  kind: GeneratorKind;
  durationMs: number;
  /** what the output should hold, for the validator's symbol checks */
  scope: EmitScope;
  pack: { name: string; version: string; language: string; kind: 'template' | 'prompt' };
  params: Record<string, string>;
  /** LLM generators: one record per registry chunk */
  chunks?: ChunkRecord[];
  /** generators passed over, and why */
  fallbacks?: FallbackRecord[];
  /** LLM generators: the model's answers, one per chunk it was asked */
  raw?: string[];
}

export type GenerationProgress =
  | { phase: 'plan'; generator: string; chunks: number; budgetTokens: number }
  | { phase: 'request'; generator: string; chunk: number; chunks: number; estimatedInputTokens: number }
  | { phase: 'stream'; generator: string; chunk: number; chunks: number; receivedChars: number }
  | { phase: 'retry'; generator: string; chunk: number; chunks: number; attempt: number; status?: number }
  | {
      phase: 'answer';
      generator: string;
      chunk: number;
      chunks: number;
      inputTokens: number;
      outputTokens: number;
      files: string[];
    }
  | { phase: 'reuse'; generator: string; chunk: number; chunks: number; files: string[] }
  | ({ phase: 'fallback'; generator: string } & FallbackRecord)
  | { phase: 'done'; generator: string; files: number; usage: Usage; durationMs: number };

/** Every way of producing code, behind one interface: the builtin template engine and the LLMs. */
export interface Generator {
  /** `builtin`, `ollama:qwen3`, `openai:gpt-4o-mini`: the model part of an arm */
  readonly id: string;
  readonly kind: GeneratorKind;
  /** the provider's model name (`qwen3`), `builtin` for the template engine */
  readonly modelName: string;
  /** never throws anything but a ModelError */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** resolves when the provider answers and knows the model; throws a ModelError saying why not */
  probe?(signal?: AbortSignal): Promise<void>;
}

export interface SkippedGenerator {
  id: string;
  code: ModelErrorCode;
  /** `openai:gpt-4o-mini skipped: OPENAI_API_KEY is not set` */
  message: string;
}

export interface ModelSet {
  /** builtin first, then every configured generator that is usable, in the configured order, then plugins' */
  generators: Generator[];
  skipped: SkippedGenerator[];
  get(id: string): Generator | undefined;
  /** generator `id`, falling back (when configured) to the other LLM generators, those after it first */
  withFallback(id: string): Generator;
}

export interface CreateGeneratorsOptions {
  /** where WEAVERGEN_MODELS, OLLAMA_HOST, OPENAI_* and ANTHROPIC_* are read; default process.env */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /**
   * generators beside the configured models (plugins' generators, node/plugins): listed after them
   * and arms like them, never probed and never part of a fallback chain; an id already taken is skipped
   */
  extra?: readonly Generator[];
}

/**
 * The configured generators: `config.models` (else WEAVERGEN_MODELS, else just builtin), each SDK set
 * up through its own conventions (OLLAMA_HOST; OPENAI_API_KEY, OPENAI_BASE_URL; ANTHROPIC_API_KEY,
 * ANTHROPIC_BASE_URL) unless the config says otherwise. A generator without its key, or whose server
 * does not answer or does not know the model (probed, unless `probe: false`), is skipped with a message
 * saying why. The builtin generator is always there, first.
 */
export async function createGenerators(
  config: ModelsConfig = {},
  options: CreateGeneratorsOptions = {},
): Promise<ModelSet> {
  const parsed = ModelsConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new ModelError(
      { code: ModelErrorCode.INVALID_CONFIG },
      `invalid models configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const c = parsed.data;
  const env = options.env ?? process.env;
  const { specs, problems } = parseModelSpec(c.models ?? env.WEAVERGEN_MODELS ?? BUILTIN_ID);
  const skipped: SkippedGenerator[] = problems.map((p) => ({
    id: p.id,
    code: ModelErrorCode.INVALID_CONFIG,
    message: p.message,
  }));
  const pricing = createPricing(c.prices);
  const limiters = new Map<string, Limiter>();
  const limiterFor = (key: string, n: number) => {
    const l = limiters.get(key) ?? createLimiter(n);
    limiters.set(key, l);
    return l;
  };

  const candidates: Generator[] = [];
  const defaultHost = new Set<string>();
  for (const spec of specs) {
    if (spec.provider === 'builtin') continue;
    const { provider, id } = spec;
    const own = c.perModel?.[id];
    const made = await chatClientFor(spec, c, env);
    if ('skipped' in made) {
      skipped.push({ id, code: ModelErrorCode.NOT_CONFIGURED, message: made.skipped });
      continue;
    }
    const { client, settings: t } = made;
    if (made.defaultHost) defaultHost.add(id);
    candidates.push(
      createLlmGenerator(client, {
        contextTokens: t.contextTokens,
        maxOutputTokens: t.maxOutputTokens,
        charsPerToken: c.charsPerToken,
        outputRatio: c.outputRatio,
        progressIntervalMs: c.progressIntervalMs,
        limiter: own?.concurrency ? limiterFor(id, own.concurrency) : limiterFor(provider, t.concurrency),
        pricing,
      }),
    );
  }

  let usable = candidates;
  if (c.probe !== false) {
    const ms = c.probeTimeoutMs ?? 5000;
    const results = await Promise.all(candidates.map((g) => probeWithin(g, ms, options.signal)));
    usable = [];
    for (const [i, g] of candidates.entries()) {
      const err = results[i];
      if (!err) {
        usable.push(g);
        continue;
      }
      const hint =
        defaultHost.has(g.id) && err.code === ModelErrorCode.UNREACHABLE ? ' (set OLLAMA_HOST)' : '';
      skipped.push({ id: g.id, code: err.code, message: `${g.id} skipped: ${err.message}${hint}` });
    }
  }

  const generators = [createBuiltinGenerator(), ...usable];
  for (const g of options.extra ?? []) {
    if (generators.some((x) => x.id === g.id)) {
      skipped.push({
        id: g.id,
        code: ModelErrorCode.INVALID_CONFIG,
        message: `${g.id} skipped: its id is taken`,
      });
      continue;
    }
    generators.push(g);
  }
  const byId = new Map(generators.map((g) => [g.id, g]));
  return {
    generators,
    skipped,
    get: (id) => byId.get(id),
    withFallback(id) {
      const g = byId.get(id);
      if (!g)
        throw new ModelError(
          { code: ModelErrorCode.NOT_CONFIGURED, generator: id },
          `no generator ${id} is configured and usable`,
        );
      if (g.kind === 'builtin' || g.kind === 'plugin' || c.fallback === false) return g;
      const i = usable.indexOf(g);
      const rest = [...usable.slice(i + 1), ...usable.slice(0, i)];
      return rest.length ? createFallbackGenerator([g, ...rest]) : g;
    },
  };
}
