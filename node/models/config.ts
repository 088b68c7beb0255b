import { z } from 'zod';

const Tuning = {
  /** the SDK's per-attempt timeout; also how long a streamed answer may stall */
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  /** the SDK's retries of 429, 5xx, timeouts and connection errors (Ollama: the adapter's) */
  maxRetries: z.number().int().min(0).max(10).optional(),
  /** requests in flight at once to this provider, all its models and chunks together */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** the model's context window in tokens (for Ollama also sent as num_ctx) */
  contextTokens: z.number().int().min(512).max(10_000_000).optional(),
  /** output tokens asked for per request */
  maxOutputTokens: z.number().int().min(64).max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** stream answers (progress events, stall detection) */
  stream: z.boolean().optional(),
};

export const TuningSchema = z.object(Tuning).strict();
export type Tuning = z.infer<typeof TuningSchema>;

/**
 * The models part of the node's configuration. Keys are best left to the environment (the SDKs'
 * own variables: OPENAI_API_KEY, ANTHROPIC_API_KEY), which createGenerators reads when these are unset.
 */
export const ModelsConfigSchema = z
  .object({
    /** which generators: `builtin,ollama:qwen3,openai:gpt-4o-mini` (WEAVERGEN_MODELS); builtin always runs */
    models: z.union([z.string().max(4000), z.array(z.string().max(200)).max(32)]).optional(),
    ollama: z
      .object({
        ...Tuning,
        host: z.string().max(2000).optional(),
        keepAlive: z.union([z.string().max(20), z.number()]).optional(),
      })
      .strict()
      .optional(),
    openai: z
      .object({
        ...Tuning,
        apiKey: z.string().max(500).optional(),
        baseURL: z.string().max(2000).optional(),
        organization: z.string().max(200).optional(),
        streamUsage: z.boolean().optional(),
      })
      .strict()
      .optional(),
    anthropic: z
      .object({ ...Tuning, apiKey: z.string().max(500).optional(), baseURL: z.string().max(2000).optional() })
      .strict()
      .optional(),
    /** per generator id (`ollama:qwen3:8b`), over the provider's settings */
    perModel: z.record(z.string().max(200), TuningSchema).optional(),
    /** USD per 1M tokens per generator id prefix, over the built-in table */
    prices: z
      .record(
        z.string().max(200),
        z.object({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) }).strict(),
      )
      .optional(),
    /** token estimate for chunking: characters per token */
    charsPerToken: z.number().min(1).max(16).optional(),
    /** expected output tokens per token of registry content (sizes chunks so answers fit) */
    outputRatio: z.number().min(0.1).max(20).optional(),
    /** ask each provider whether it answers and knows the model before using it (default true) */
    probe: z.boolean().optional(),
    probeTimeoutMs: z.number().int().min(100).max(120_000).optional(),
    /** a failing generator falls back to the next configured one (default true) */
    fallback: z.boolean().optional(),
    /** at most this often a streaming progress event per chunk (default 250 ms) */
    progressIntervalMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();

export type ModelsConfig = z.infer<typeof ModelsConfigSchema>;

export const PROVIDERS = ['ollama', 'openai', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Provider defaults: a local Ollama serves one request at a time with a small window; the APIs more. */
export const PROVIDER_DEFAULTS: Record<
  Provider,
  Required<Omit<Tuning, 'temperature'>> & { temperature?: number }
> = {
  ollama: {
    timeoutMs: 300_000,
    maxRetries: 2,
    concurrency: 1,
    contextTokens: 8192,
    maxOutputTokens: 4096,
    temperature: 0,
    stream: true,
  },
  openai: {
    timeoutMs: 120_000,
    maxRetries: 2,
    concurrency: 4,
    contextTokens: 128_000,
    maxOutputTokens: 16_384,
    stream: true,
  },
  anthropic: {
    timeoutMs: 120_000,
    maxRetries: 2,
    concurrency: 4,
    contextTokens: 200_000,
    maxOutputTokens: 8192,
    temperature: 0,
    stream: true,
  },
};

export const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

export type ModelSpec =
  | { id: 'builtin'; provider: 'builtin' }
  | { id: string; provider: Provider; model: string };

/** One entry that is not a generator, with why. */
export interface SpecProblem {
  id: string;
  message: string;
}

/**
 * `builtin,ollama:qwen3:8b, openai:gpt-4o-mini` -> specs. The model is everything after the first
 * colon (Ollama tags have colons). Duplicates are dropped; unknown providers are reported.
 */
export function parseModelSpec(spec: string | string[] | undefined): {
  specs: ModelSpec[];
  problems: SpecProblem[];
} {
  const entries = (Array.isArray(spec) ? spec : (spec ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  const specs: ModelSpec[] = [];
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry)) continue;
    seen.add(entry);
    if (entry === 'builtin') {
      specs.push({ id: 'builtin', provider: 'builtin' });
      continue;
    }
    const colon = entry.indexOf(':');
    const provider = colon > 0 ? entry.slice(0, colon) : entry;
    const model = colon > 0 ? entry.slice(colon + 1).trim() : '';
    if (!(PROVIDERS as readonly string[]).includes(provider)) {
      problems.push({
        id: entry,
        message: `${entry} skipped: unknown provider "${provider}" (use builtin, ollama:<model>, openai:<model> or anthropic:<model>)`,
      });
      continue;
    }
    if (!model) {
      problems.push({ id: entry, message: `${entry} skipped: no model given (e.g. ${provider}:<model>)` });
      continue;
    }
    specs.push({ id: `${provider}:${model}`, provider: provider as Provider, model });
  }
  return { specs, problems };
}

/** The SDKs' own environment variables for the key and the base URL. */
export const KEY_VARS: Record<Exclude<Provider, 'ollama'>, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};
export const URL_VARS: Record<Exclude<Provider, 'ollama'>, string> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
};

/** Settings layered with `{...a, ...b}` must not let an unset key erase a default. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
