import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseConfigText } from './config-file.js';
import { ModelsConfigSchema } from './models/config.js';
import { NodeError, NodeErrorCode } from './node-errors.js';
import { DEFAULT_PUBLIC_MODELS, DEFAULT_SHARE, modelPatternError, parseShare, shareText } from './share.js';

/** a multiaddr's text form (checked as a multiaddr where it is used: node/network/settings.ts) */
const multiaddrText = z
  .string()
  .min(1)
  .max(300)
  .regex(/^\//, 'a multiaddr starts with /, e.g. /ip4/203.0.113.7/tcp/4591');

/** The node's configuration: defaults < <home>/weavergen.config.json < env < flags, validated with zod. */
export const NodeConfigSchema = z
  .object({
    home: z.string().min(1),
    api: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().min(1).default('127.0.0.1'),
        /** 0 picks a free port */
        port: z.number().int().min(0).max(65_535).default(4590),
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        /** writes (POST) per token: `perMinute` sustained, `burst` at once; past it 429 with Retry-After */
        rateLimit: z
          .object({
            perMinute: z.number().int().min(1).max(100_000).default(120),
            burst: z.number().int().min(1).max(10_000).default(30),
          })
          .strict()
          .default({ perMinute: 120, burst: 30 }),
        /**
         * GET /metrics without a token from any host (in-cluster Prometheus scraping); otherwise it
         * is a read: open on loopback, else the token
         */
        openMetrics: z.boolean().default(false),
      })
      .strict()
      .default({
        enabled: true,
        host: '127.0.0.1',
        port: 4590,
        bodyLimitBytes: 1024 * 1024,
        rateLimit: { perMinute: 120, burst: 30 },
        openMetrics: false,
      }),
    generation: z
      .object({
        /** candidates per language and generation (pack x params x model arms chosen by the optimizer) */
        candidates: z.number().int().min(1).max(8).default(2),
        /** generations running at once on the node, every tenant's together (and as many tasks) */
        concurrency: z.number().int().min(1).max(16).default(2),
        toolTimeoutMs: z.number().int().min(1000).max(600_000).default(120_000),
        successThreshold: z.number().min(0).max(1).default(0.9),
        /** reasoning-loop rounds per language (generate -> validate -> correct) */
        maxRounds: z.number().int().min(1).max(10).default(3),
        /** grace period for in-flight work at shutdown before it is recorded as cancelled */
        shutdownGraceMs: z.number().int().min(0).max(600_000).default(30_000),
        /** generations (and tasks) waiting beyond those running; more are refused 429 with Retry-After */
        maxQueued: z.number().int().min(0).max(100_000).default(64),
        /**
         * folders a request's `out` may be inside, besides `<home>/out` and the node's working
         * directory (never the home's database, token or keys)
         */
        outputRoots: z.array(z.string().min(1).max(4096)).max(64).default([]),
        /**
         * budgets of the render processes a pack's templates run in: past its time a candidate's
         * process is killed, past its heap it dies alone; the candidate fails with GENERATION_LIMIT_EXCEEDED
         */
        render: z
          .object({
            candidateMs: z.number().int().min(100).max(600_000).default(10_000),
            generationMs: z.number().int().min(100).max(3_600_000).default(120_000),
            heapMb: z.number().int().min(32).max(8192).default(256),
            processes: z.number().int().min(1).max(32).optional(),
          })
          .strict()
          .optional(),
        /**
         * predictive pre-generation (node/prediction): when a registry the node generated from
         * changes, it runs ahead what this project is likely to ask next, while no user generation
         * runs, so the next request is a cache hit (WEAVERGEN_PREDICT=off turns it off)
         */
        predict: z
          .object({
            enabled: z.boolean().default(true),
            /** quiet time after the last change of the registry's files before predicting */
            debounceMs: z.number().int().min(100).max(600_000).default(2000),
          })
          .strict()
          .default({ enabled: true, debounceMs: 2000 }),
      })
      .strict()
      .default({
        predict: { enabled: true, debounceMs: 2000 },
        candidates: 2,
        concurrency: 2,
        toolTimeoutMs: 120_000,
        successThreshold: 0.9,
        maxRounds: 3,
        shutdownGraceMs: 30_000,
        maxQueued: 64,
        outputRoots: [],
      }),
    network: z
      .object({
        enabled: z.boolean().default(true),
        /** libp2p listen multiaddrs; loopback by default, e.g. /ip4/0.0.0.0/tcp/4591 to join a real network */
        listen: z.array(z.string().min(1).max(300)).max(16).default(['/ip4/127.0.0.1/tcp/0']),
        /**
         * the only addresses peers are told (identify, DHT); without it a node listening on a wildcard
         * (0.0.0.0, ::) announces none, rather than every interface's address
         */
        announce: z.array(multiaddrText).max(16).optional(),
        /** multiaddrs with /p2p/<peer id> of nodes to join through */
        bootstrap: z.array(z.string().min(1).max(300)).max(64).default([]),
        mdns: z.boolean().default(false),
        /** what this node publishes: off | receive-only | contexts:<languages or context globs> | all (node/share.ts) */
        share: z
          .string()
          .max(2000)
          .default(DEFAULT_SHARE)
          .superRefine((v, ctx) => {
            const r = parseShare(v);
            if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
          })
          .transform((v) => {
            const r = parseShare(v);
            return r.ok ? shareText(r.share) : v;
          }),
        /** model ids that may appear in digests (globs, `*` within one `:` segment); others never leave */
        publicModels: z
          .array(
            z
              .string()
              .max(100)
              .superRefine((v, ctx) => {
                const e = modelPatternError(v);
                if (e) ctx.addIssue({ code: 'custom', message: e });
              }),
          )
          .max(256)
          .default([...DEFAULT_PUBLIC_MODELS]),
        /** one digest per epoch, published at a random moment within it */
        epochMs: z.number().int().min(1000).max(86_400_000).default(86_400_000),
        /** digests release a (context, arm) only where its noised n >= k, with Laplace noise of scale 3/epsilon on n, sumQ, sumQ2 */
        k: z.number().int().min(1).max(1000).default(5),
        epsilon: z.number().positive().max(100).default(1),
        /**
         * privacy budget: epsilon spent over any rolling 365 days (a build that draws fresh noise
         * spends epsilon once; re-sending unchanged noised values spends nothing); past it the node
         * pauses sharing until old spends roll off
         */
        budget: z.number().positive().max(1_000_000).default(365),
      })
      .strict()
      .default({
        enabled: true,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: [],
        mdns: false,
        share: DEFAULT_SHARE,
        publicModels: [...DEFAULT_PUBLIC_MODELS],
        epochMs: 86_400_000,
        k: 5,
        epsilon: 1,
        budget: 365,
      }),
    /**
     * plugins (node/plugins): npm package names (looked up in node_modules from the working
     * directory, then from the home) or paths (./x, ../x relative to the working directory, then the
     * home; /x), loaded once when the node starts; one that fails to load stops the start
     */
    plugins: z
      .array(
        z
          .string()
          .min(1)
          .max(4096)
          .refine((v) => v.trim() === v, 'no leading or trailing spaces'),
      )
      .max(32)
      .default([]),
    /** model generators (see node/models/config.ts): which ones, endpoints, keys, prices, timeouts */
    models: ModelsConfigSchema.optional(),
    telemetry: z
      .object({ otlpEndpoint: z.string().url().optional(), serviceName: z.string().default('weavergen') })
      .strict()
      .default({ serviceName: 'weavergen' }),
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeConfigSchema>;
export type ConfigInput = z.input<typeof NodeConfigSchema>;

export const CONFIG_FILE = 'weavergen.config.json';

const invalid = (message: string, source?: string, issues?: string[]) =>
  new NodeError({ code: NodeErrorCode.CONFIG_INVALID, source, issues }, message);

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Which setting each environment variable of the configuration sets, so an error can name the variable. */
export const ENV_NAMES: Readonly<Record<string, string>> = {
  home: 'WEAVERGEN_HOME',
  'api.host': 'WEAVERGEN_API_HOST',
  'api.port': 'WEAVERGEN_API_PORT',
  'generation.candidates': 'WEAVERGEN_CANDIDATES',
  'generation.concurrency': 'WEAVERGEN_CONCURRENCY',
  'generation.predict.enabled': 'WEAVERGEN_PREDICT',
  'telemetry.otlpEndpoint': 'OTEL_EXPORTER_OTLP_ENDPOINT',
  'telemetry.serviceName': 'OTEL_SERVICE_NAME',
  'network.enabled': 'WEAVERGEN_NETWORK',
  'network.listen': 'WEAVERGEN_LISTEN',
  'network.bootstrap': 'WEAVERGEN_BOOTSTRAP',
  'network.announce': 'WEAVERGEN_ANNOUNCE',
  'network.share': 'WEAVERGEN_SHARE',
  'network.epochMs': 'WEAVERGEN_EPOCH_MS',
  'network.k': 'WEAVERGEN_K',
  'network.epsilon': 'WEAVERGEN_EPSILON',
  'network.budget': 'WEAVERGEN_BUDGET',
};

/**
 * Env names follow WEAVERGEN_<SECTION>_<KEY>; OTLP follows the OpenTelemetry conventions. A value
 * that does not parse is an error naming the variable (never silently ignored).
 */
function fromEnv(env: NodeJS.ProcessEnv): DeepPartial<ConfigInput> {
  const given = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string) => {
    const v = given(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,9}$/.test(v)) throw invalid(`${name}=${JSON.stringify(v)} is not a whole number`, name);
    return Number(v);
  };
  const num = (name: string) => {
    const v = given(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,9}(\.\d{1,9})?$/.test(v)) throw invalid(`${name}=${JSON.stringify(v)} is not a number`, name);
    return Number(v);
  };
  const bool = (name: string) => {
    const v = given(name);
    if (v === undefined) return undefined;
    if (/^(1|on|true|yes)$/i.test(v)) return true;
    if (/^(0|off|false|no)$/i.test(v)) return false;
    throw invalid(`${name}=${JSON.stringify(v)}: use on or off (true/false, 1/0, yes/no)`, name);
  };
  return prune({
    home: given('WEAVERGEN_HOME'),
    api: { host: given('WEAVERGEN_API_HOST'), port: int('WEAVERGEN_API_PORT') },
    generation: {
      candidates: int('WEAVERGEN_CANDIDATES'),
      concurrency: int('WEAVERGEN_CONCURRENCY'),
      predict: { enabled: bool('WEAVERGEN_PREDICT') },
    },
    telemetry: {
      otlpEndpoint: given('OTEL_EXPORTER_OTLP_ENDPOINT'),
      serviceName: given('OTEL_SERVICE_NAME'),
    },
    network: {
      enabled: bool('WEAVERGEN_NETWORK'),
      listen: list(env.WEAVERGEN_LISTEN),
      bootstrap: list(env.WEAVERGEN_BOOTSTRAP),
      announce: list(env.WEAVERGEN_ANNOUNCE),
      share: given('WEAVERGEN_SHARE'),
      epochMs: int('WEAVERGEN_EPOCH_MS'),
      // the digests' privacy: a demo network sets k 1 and a large epsilon so one generation shows
      k: int('WEAVERGEN_K'),
      epsilon: num('WEAVERGEN_EPSILON'),
      budget: num('WEAVERGEN_BUDGET'),
    },
  });
}

export async function loadConfig(
  flags: DeepPartial<ConfigInput> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeConfig> {
  const envPart = fromEnv(env);
  const home = resolve(flags.home ?? envPart.home ?? '.weavergen');
  let filePart: DeepPartial<ConfigInput> = {};
  const path = join(home, CONFIG_FILE);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    const parsed = parseConfigText(text);
    if (!parsed.ok)
      throw invalid(`${path} is not valid JSON with comments (${parsed.message}); fix it or remove it`, path);
    filePart = parsed.value as DeepPartial<ConfigInput>;
    if (!filePart || typeof filePart !== 'object' || Array.isArray(filePart))
      throw invalid(`${path} must hold a JSON object (see the README's configuration table)`, path);
  }
  const merged = merge(merge(merge({}, filePart), envPart), prune(flags));
  const parsed = NodeConfigSchema.safeParse({ ...merged, home });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      const from = ENV_NAMES[key] && env[ENV_NAMES[key]] ? ` (from ${ENV_NAMES[key]})` : '';
      return `${key || '(root)'}${from}: ${i.message}`;
    });
    throw invalid(
      `invalid configuration (${text === undefined ? 'flags and environment' : `${path}, flags and environment`}): ${issues.join('; ')}`,
      text === undefined ? undefined : path,
      issues,
    );
  }
  return parsed.data;
}

const list = (v: string | undefined) =>
  v === undefined || v.trim() === ''
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v)
        ? merge((out[k] as Record<string, unknown>) ?? {}, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function prune<T>(o: T): T {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return o;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const p = prune(v);
    if (p === undefined || Number.isNaN(p)) continue;
    if (p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out as T;
}
