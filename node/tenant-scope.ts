import { join } from 'node:path';
import { type Collaboration, createCollaboration } from './collab/index.js';
import type { NodeConfig } from './config.js';
import { createResultCache } from './generation/cache.js';
import { readWrittenFile, type WrittenFile, writtenFiles } from './jobs/files.js';
import { createIdempotency } from './jobs/idempotency.js';
import {
  checkRequest,
  createJobs,
  type DecisionRecord,
  decisionKey,
  type GenerationEvent,
  type GenerationRecord,
  type GenerationRequest,
  type OutputPolicy,
  runGeneration,
} from './jobs/index.js';
import { contextKey, type GenerationContext } from './learning/context.js';
import { createLearning, type Learning, type LearningHistory, learningHistory } from './learning/index.js';
import type { ModelSet } from './models/index.js';
import { NodeError, NodeErrorCode } from './node-errors.js';
import {
  type Arm,
  type ArmQuality,
  armQualities,
  chooseArms,
  createOptimizer,
  type Optimizer,
} from './optimizer/index.js';
import { createOrchestra } from './orchestra/index.js';
import { createPatternService, type PatternService } from './packs/market.js';
import type { Peering } from './peering.js';
import { type Plugins, saltedCache } from './plugins/index.js';
import {
  createPrefetcher,
  type PredictionState,
  type PrefetchStats,
  readPredictChoice,
  writePredictChoice,
} from './prediction/index.js';
import { type DependencyScope, type LoadResult, loadRegistryOffThread } from './semconv/index.js';
import type { Store } from './storage/index.js';
import { createTaskService, type Task, type TaskRecord, type TaskRequestOptions } from './tasks/index.js';
import { createSpanQueries, createTelemetry, type SpanQueries, type Telemetry } from './telemetry/index.js';
import {
  confineRegistry,
  DEFAULT_TENANT,
  refuseTenantsFolder,
  type Tenancy,
  TenancyError,
  TenancyErrorCode,
  type Usage,
} from './tenancy/index.js';
import type { Validator } from './validation/index.js';

/** How old insights() may be at most (they are computed again at once after a generation is learned). */
export const INSIGHTS_STALE_MS = 1_000;

/**
 * What a tenant sees of the node: its own generations, tasks, spans, learning, packs and usage.
 * Every member reads and writes only the tenant's own sublevels (node/storage `within`).
 */
export interface TenantNode {
  readonly tenant: string;
  /**
   * Checks and stores a generation, then runs it; with an idempotency key, a retry of the same
   * request gets the first one's id (`replayed`) instead of running it twice. A tenant over a
   * quota is refused (QUOTA_EXCEEDED, 429 with Retry-After).
   */
  generate(
    request: GenerationRequest,
    options?: { idempotencyKey?: string },
  ): Promise<{ id: string; done: Promise<GenerationRecord>; replayed?: boolean }>;
  generation(id: string): Promise<GenerationRecord | undefined>;
  /** the newest generations, newest first (shared and frozen: copy one to change it) */
  generations(limit?: number): Promise<GenerationRecord[]>;
  /** the files a generation wrote (`<language>/<path>`), and one of them (only those, path-checked) */
  files(record: GenerationRecord): WrittenFile[];
  file(record: GenerationRecord, path: string): Promise<Buffer>;
  subscribe(id: string, listener: (e: GenerationEvent) => void): () => void;
  /**
   * Stores a free-form task for the configured chat models and runs it in the background (see
   * node/tasks); `done` resolves with its final record. Throws TASK_NO_MODELS without a chat model.
   */
  task(
    task: Task,
    options?: TaskRequestOptions & { idempotencyKey?: string },
  ): Promise<{ id: string; done: Promise<TaskRecord>; replayed?: boolean }>;
  taskRecord(id: string): Promise<TaskRecord | undefined>;
  /** the newest tasks, newest first (their requests left out) */
  tasks(limit: number): Promise<TaskRecord[]>;
  /**
   * A generation's or a task's decisions. A generation served from the cache has one decision of
   * its own (`cache`), followed by the decisions of the generation that produced its results.
   */
  decisions(generationId: string): Promise<DecisionRecord[]>;
  spans: SpanQueries;
  /** what learning found (shared and frozen; see INSIGHTS_STALE_MS) */
  insights(): ReturnType<Learning['insights']>;
  /** quality per context and cost per model over time, from the newest `outcomes` outcomes */
  learningHistory(outcomes: number): Promise<LearningHistory>;
  /** every arm tried in a context with its posterior mean and sd (throws LEARNING_BAD_CONTEXT on a bad key) */
  armQualities(context: string): Promise<ArmQuality[]>;
  /** a registry folder's check (a tenant other than default: only inside its registry folders) */
  checkRegistry(dir: string): Promise<LoadResult>;
  /** predictive pre-generation of this tenant: its counters, whether it is on and who said so */
  prediction(): PredictionState;
  /** turns it on or off now, and stores the choice (it wins over generation.predict.enabled after a restart) */
  setPrediction(enabled: boolean): Promise<PredictionState>;
  /**
   * throws PATH_OUTSIDE unless the tenant may read a registry there (its own folders; for the
   * default tenant, anywhere but the other tenants'), judged before anything looks at the path
   */
  confineRegistry(dir: string): Promise<void>;
  /** pattern packs: search, show, publish, install, rate, list (node/packs/market.ts) */
  patterns: PatternService;
  /** live collaboration: the tenant's event stream and the shared annotations of its generations (node/collab) */
  collab: Collaboration;
  /** what the tenant used against its quotas */
  usage(): Promise<Usage>;
}

/** A tenant's parts, as the node composes and stops them. */
export interface TenantScope {
  node: TenantNode;
  learning: Learning;
  inFlight(): { generations: number; tasks: number };
  /** generations that ended in this process, by final status */
  ended(): Record<string, number>;
  spanStats(): ReturnType<Telemetry['stats']>;
  predictions(): PrefetchStats;
  /** in-flight work finishes (or is recorded cancelled after the grace period); telemetry flushes */
  stop(graceMs: number): Promise<void>;
}

type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** What every tenant's parts share: one per node process. */
export interface SharedParts {
  config: NodeConfig;
  /** the node's store; a tenant other than default gets `store.within(tenant)` */
  store: Store;
  validator: Validator;
  models: ModelSet;
  /** the node's plugins: their post-processors, and their fingerprint in the cache keys */
  plugins?: Plugins;
  peering: Peering;
  tenancy: Tenancy;
  /** the node's slots for running generations, and for running tasks, shared by every tenant */
  slots: { generations: Limit; tasks: Limit };
  /** generations or tasks of any tenant running or queued (a prediction waits for none of them) */
  busy(): boolean;
  stopping(): boolean;
  /** register as the process's global OpenTelemetry SDK (the default tenant of a CLI node only) */
  globalTelemetry?: boolean;
  recover: boolean;
  log(m: string): void;
}

/** Composes one tenant's parts over its own sublevels; `opened` collects what must be closed on failure. */
export async function composeTenantScope(
  shared: SharedParts,
  tenant: string,
  opened: (() => Promise<unknown>)[],
): Promise<TenantScope> {
  const { config, models, peering, tenancy } = shared;
  const isDefault = tenant === DEFAULT_TENANT;
  const store = isDefault ? shared.store : shared.store.within(tenant);
  // a tenant's files go under its own folder; the default tenant's where they always went
  const outRoot = isDefault ? join(config.home, 'out') : join(config.home, 'tenants', tenant, 'out');
  // a tenant other than default writes only under its own folder (not the node's working directory)
  const outputRoots = isDefault ? [process.cwd(), ...config.generation.outputRoots] : [];
  // a tenant other than default writes in the home only under its own out folder (<home>/out is
  // the default tenant's); checked when a request is submitted and again when its files are written
  const outputs: OutputPolicy = {
    home: config.home,
    roots: outputRoots,
    ...(isDefault ? {} : { out: outRoot }),
  };
  const telemetry: Telemetry = await createTelemetry(
    { store },
    {
      serviceName: config.telemetry.serviceName,
      otlpEndpoint: config.telemetry.otlpEndpoint,
      global: isDefault && shared.globalTelemetry,
      resourceAttributes: isDefault ? undefined : { 'weavergen.tenant': tenant },
    },
  );
  opened.push(() => telemetry.shutdown());
  const spans = createSpanQueries(store);
  const llmIds = models.generators.filter((g) => g.kind !== 'builtin').map((g) => g.id);
  const orchestra = createOrchestra(
    {
      validator: shared.validator,
      tracer: telemetry.tracer,
      // results measured with other plugins (another linter) are not served
      cache: saltedCache(createResultCache(store), shared.plugins?.fingerprint ?? ''),
      models,
    },
    { concurrency: 2, toolTimeoutMs: config.generation.toolTimeoutMs },
  );
  const learning: Learning = createLearning(
    { store },
    { successThreshold: config.generation.successThreshold },
  );
  // the promotion review weighs peers' evidence too (the marketplace's priors, through peering)
  const optimizer: Optimizer = createOptimizer({
    store,
    learning,
    priors: (context, armKeys) => peering.priors(context, armKeys),
  });
  // what everyone of the tenant watching sees live: its generations, ratings, pack installs, annotations
  const collab = createCollaboration({ store });
  const patterns = await createPatternService(
    {
      store,
      peering,
      validator: shared.validator,
      learning,
      log: shared.log,
      onEvent: collab.onPatternEvent,
    },
    { toolTimeoutMs: config.generation.toolTimeoutMs },
  );
  const reviewQueue: { context: GenerationContext; arms: Arm[] }[] = [];
  const decide = async (d: DecisionRecord) => store.put('decisions', decisionKey(d), d);
  const idempotency = createIdempotency(store);

  // generations are listed far more often than they change: jobs write their records through this
  // store, whose writes mark the listings kept by generations() below as old
  let generationWrites = 0;
  const written =
    <A extends unknown[]>(write: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      generationWrites++;
      try {
        await write(...args);
      } finally {
        generationWrites++;
      }
    };
  const jobsStore: Store = Object.create(store, {
    put: { value: written(store.put) },
    batch: { value: written(store.batch) },
  });
  // what insights read changes when a generation's evidence is learned (below); `learned` counts it
  let learned = 0;

  const jobs = createJobs(
    {
      store: jobsStore,
      slots: shared.slots.generations,
      async execute(record, signal, emit) {
        await runGeneration(
          record,
          {
            tracer: telemetry.tracer,
            orchestra,
            choose: (context, arms, k) =>
              chooseArms(
                optimizer,
                context,
                arms,
                k,
                peering.priors(
                  contextKey(context),
                  arms.map((a) => a.key),
                ),
              ),
            review: (context, arms) => reviewQueue.push({ context, arms }),
            installedPacks: () => patterns.installedPacks(),
            localPack: (cid) => peering.localPack(cid),
            llmModels: (only) => llmIds.filter((id) => !only || only.includes(id)),
            predictor: () => learning.predictor(),
            requests: saltedCache(
              { get: (key) => store.get('cache', key), put: (key, value) => store.put('cache', key, value) },
              shared.plugins?.fingerprint ?? '',
            ),
            postProcess: shared.plugins?.postProcess,
            decide,
            progress: (language, phase, detail) =>
              emit({ type: 'progress', id: record.id, language, phase, detail }),
          },
          {
            candidates: record.request.candidates ?? config.generation.candidates,
            threshold: config.generation.successThreshold,
            maxRounds: config.generation.maxRounds,
            outRoot,
            outputs,
            dependencies: dependencyScope(),
            validate: record.request.validate,
            signal,
          },
        );
        // learning reads the generation back from its spans, as stored; then promotions are reviewed
        await telemetry.flush();
        learned++;
        try {
          await learning.ingestGeneration(record.id);
          for (const { context, arms } of reviewQueue.splice(0)) await optimizer.review(context, arms);
        } finally {
          learned++;
        }
        await noteSpent(record);
        await peering.refresh();
        return record;
      },
    },
    { concurrency: config.generation.concurrency, maxQueued: config.generation.maxQueued },
  );
  jobs.subscribeAll(collab.onGenerationEvent);
  if (shared.recover) await jobs.recover();

  // what a finished generation spent, for the tenant's quotas: its models' tokens (from its spans)
  // and the bytes of the files it wrote
  async function noteSpent(record: GenerationRecord) {
    let tokens = 0;
    for (const s of await spans.byGeneration(record.id)) {
      const a = s.attributes as Record<string, unknown>;
      tokens += num(a['weavergen.model.input_tokens']) + num(a['weavergen.model.output_tokens']);
    }
    const bytes = record.languages.reduce(
      (sum, l) => sum + (l.winner?.files ?? []).reduce((s, f) => s + f.bytes, 0),
      0,
    );
    await tenancy.usage.tokens(tenant, tokens);
    if (bytes > 0) await tenancy.usage.output(tenant, bytes);
  }

  // run ahead, when a registry users generated from changes, what they are likely to ask next; a
  // choice made over the API (stored) wins over the config's
  const predictChoice = await readPredictChoice(store);
  let predictSource: PredictionState['source'] = predictChoice === undefined ? 'config' : 'api';
  const prefetcher = createPrefetcher(
    {
      async history(registry) {
        return (await jobs.list(500))
          .filter(
            (r) => r.origin !== 'prediction' && r.status === 'succeeded' && r.request.registry === registry,
          )
          .map((r) => ({ request: r.request, at: r.createdAt }))
          .reverse();
      },
      // any tenant's work, not only this one's: a prediction takes one of the node's shared slots
      busy: shared.busy,
      run: async (request) => (await jobs.submit(request, { origin: 'prediction' })).done,
    },
    {
      enabled: predictChoice ?? config.generation.predict.enabled,
      debounceMs: config.generation.predict.debounceMs,
    },
  );
  const tasks = createTaskService(
    { store, tracer: telemetry.tracer, models: config.models ?? {}, decide, slots: shared.slots.tasks },
    { concurrency: config.generation.concurrency, maxQueued: config.generation.maxQueued },
  );
  if (shared.recover) await tasks.recover();

  // new work of a tenant is admitted one at a time, so two requests at once cannot both pass the
  // concurrent-jobs quota with one place left
  let admitting: Promise<unknown> = Promise.resolve();
  function admit<T>(start: () => Promise<T>): Promise<T> {
    const run = admitting.then(async () => {
      const refusal = await tenancy.refusal(tenant, jobs.inFlight() + tasks.inFlight());
      if (refusal)
        throw new TenancyError(
          {
            code: TenancyErrorCode.QUOTA_EXCEEDED,
            tenant,
            quota: refusal.quota,
            limit: refusal.limit,
            used: refusal.used,
            retryAfterS: refusal.retryAfterS,
          },
          `tenant ${tenant}: ${refusal.message}; try again in ${refusal.retryAfterS} s`,
        );
      return start();
    });
    admitting = run.catch(() => {});
    return run;
  }

  // a tenant other than default reads registries only from its own folders (real paths: a link
  // out of them does not count as inside)
  // and the default tenant not from theirs
  async function checkRegistryPath(dir: string) {
    if (isDefault) await refuseTenantsFolder(config.home, dir);
    else await confineRegistry(tenancy.get(tenant), dir);
  }
  // the same confinement for the dependency registries a manifest names, applied by the loader
  // before it reads one (a manifest could name another tenant's folder)
  // a declaration (hoisted): generations recovered at start run before the code below is reached
  function dependencyScope(): DependencyScope {
    return isDefault
      ? { refused: [join(config.home, 'tenants')] }
      : { roots: tenancy.get(tenant).registryRoots };
  }

  async function decisions(generationId: string): Promise<DecisionRecord[]> {
    const own = (await store.scan<DecisionRecord>('decisions', { prefix: `gen!${generationId}!` })).map(
      ([, d]) => d,
    );
    // a cached result is explained by the generation that measured it
    const from = (await jobs.get(generationId))?.cachedFrom;
    if (from && from !== generationId) return [...own, ...(await decisions(from))];
    // promotions triggered by this generation's evidence are recorded by the optimizer under its own keys
    const promotions = (await optimizer.promotions()).filter((p) =>
      p.evidence.some((id) => own.some((d) => d.evidence.includes(id))),
    );
    const show = (v: { params: Record<string, string>; meanQ: number; n: number }) =>
      `${JSON.stringify(v.params)} mean=${v.meanQ.toFixed(3)} n=${v.n}`;
    return [
      ...own,
      ...promotions.map((p) => ({
        generationId,
        step: p.step,
        choice: show(p.choice),
        alternatives: p.alternatives.map(show),
        reason: p.reason,
        evidence: p.evidence,
        at: p.at,
      })),
    ];
  }

  // the newest records per limit, read again after a write to them (a few limits kept: the API's
  // default, the CLI's, the dashboard's); shared and frozen, so the API can keep their JSON too
  const listed = new Map<number | undefined, Promise<GenerationRecord[]>>();
  let listedAt = generationWrites;
  function generations(limit?: number): Promise<GenerationRecord[]> {
    if (listedAt !== generationWrites || listed.size > 8) {
      listed.clear();
      listedAt = generationWrites;
    }
    let page = listed.get(limit);
    if (!page) {
      const read = jobs.list(limit).then(deepFreeze);
      read.catch(() => listed.get(limit) === read && listed.delete(limit));
      listed.set(limit, read);
      page = read;
    }
    return page;
  }

  // computed again after a generation's evidence was learned, and at least every INSIGHTS_STALE_MS
  // whatever else might write what they read; shared and frozen like the listings
  let insighted: { learned: number; at: number; insights: ReturnType<Learning['insights']> } | undefined;
  function insights(): ReturnType<Learning['insights']> {
    const now = Date.now();
    if (insighted?.learned !== learned || now - insighted.at >= INSIGHTS_STALE_MS) {
      const read = learning.insights().then(deepFreeze);
      const entry = { learned, at: now, insights: read };
      read.catch(() => {
        if (insighted === entry) insighted = undefined;
      });
      insighted = entry;
    }
    return insighted.insights;
  }

  const stoppingError = (what: string) =>
    new NodeError({ code: NodeErrorCode.STOPPING }, `the node is stopping: no new ${what}`);

  const node: TenantNode = {
    tenant,
    async generate(request, options = {}) {
      if (shared.stopping()) throw stoppingError('generations');
      const submit = () =>
        admit(async () => {
          await checkRegistryPath(request.registry);
          await checkRequest(request, llmIds, outputs, await patterns.installedPacks());
          const started = await jobs.submit(request);
          await tenancy.usage.generation(tenant);
          void started.done.then((r) => prefetcher.noted(r)).catch(() => {});
          return started;
        });
      if (!options.idempotencyKey) return submit();
      const r = await idempotency.once('generate', options.idempotencyKey, request, submit);
      return r.started ?? { id: r.id, done: jobs.wait(r.id) as Promise<GenerationRecord>, replayed: true };
    },
    generation: (id) => jobs.get(id),
    generations,
    files: (record) => writtenFiles(record),
    file: (record, path) => readWrittenFile(record, path),
    subscribe: (id, l) => jobs.subscribe(id, l),
    async task(task, { idempotencyKey, ...options } = {}) {
      if (shared.stopping()) throw stoppingError('tasks');
      const start = () =>
        admit(async () => {
          const started = await tasks.start(task, options);
          void started.done
            .then((r) => {
              const u = r.result?.usage;
              return u && tenancy.usage.tokens(tenant, u.inputTokens + u.outputTokens);
            })
            .catch(() => {});
          return started;
        });
      if (!idempotencyKey) return start();
      const r = await idempotency.once('task', idempotencyKey, { task, options }, start);
      return r.started ?? { id: r.id, done: tasks.wait(r.id) as Promise<TaskRecord>, replayed: true };
    },
    taskRecord: (id) => tasks.get(id),
    tasks: (limit) => tasks.list(limit),
    decisions,
    spans,
    insights,
    learningHistory: async (n) => learningHistory(await learning.outcomes(n)),
    armQualities: async (context) => armQualities(await learning.armStats(context)),
    confineRegistry: checkRegistryPath,
    async checkRegistry(dir) {
      await checkRegistryPath(dir);
      return loadRegistryOffThread(dir, { dependencies: dependencyScope() });
    },
    prediction: () => ({ ...prefetcher.stats(), source: predictSource }),
    async setPrediction(enabled) {
      // stored first: a choice the store could not keep is not made
      await writePredictChoice(store, enabled);
      prefetcher.setEnabled(enabled);
      predictSource = 'api';
      return { ...prefetcher.stats(), source: predictSource };
    },
    patterns,
    collab,
    usage: () => tenancy.report(tenant, jobs.inFlight() + tasks.inFlight()),
  };
  return {
    node,
    learning,
    inFlight: () => ({ generations: jobs.inFlight(), tasks: tasks.inFlight() }),
    ended: () => jobs.ended(),
    spanStats: () => telemetry.stats(),
    predictions: () => prefetcher.stats(),
    async stop(graceMs) {
      prefetcher.stop();
      await Promise.all([jobs.drain(graceMs), tasks.stop(graceMs)]);
      await telemetry.shutdown();
    },
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
