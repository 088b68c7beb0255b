import { join } from 'node:path';
import type { NodeConfig } from './config.js';
import { createResultCache } from './generation/cache.js';
import { configureRenderPool } from './generation/index.js';
import { announce, ensureHome, ensureToken, homeLocked, isLockError, unannounce } from './home.js';
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
  runGeneration,
} from './jobs/index.js';
import { contextKey, type GenerationContext } from './learning/context.js';
import { createLearning, type Learning, type LearningHistory, learningHistory } from './learning/index.js';
import { createGenerators } from './models/index.js';
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
import { createPeering, type Peering } from './peering.js';
import { createPrefetcher, type PrefetchStats } from './prediction/index.js';
import { type LoadResult, loadRegistryOffThread } from './semconv/index.js';
import { createStore, type Store } from './storage/index.js';
import { createTaskService, type Task, type TaskRecord, type TaskRequestOptions } from './tasks/index.js';
import { createSpanQueries, createTelemetry, type SpanQueries, type Telemetry } from './telemetry/index.js';
import { createValidator } from './validation/index.js';
import { VERSION } from './version.js';

export { NodeError, NodeErrorCode } from './node-errors.js';

/** How old health()'s counters may be: it is polled (dashboards, scripts, probes) far more often. */
export const HEALTH_STALE_MS = 100;
/** How old insights() may be at most (they are computed again at once after a generation is learned). */
export const INSIGHTS_STALE_MS = 1_000;

/**
 * The node's state. Its counters (uptime, in flight, spans, predictions) are read at most every
 * HEALTH_STALE_MS, so they may be that old; `status` is always current.
 */
export interface NodeHealth {
  status: 'ok' | 'stopping';
  version: string;
  uptimeMs: number;
  home: string;
  /** queued or running; `ended`: generations that ended in this process, by final status */
  generations: { inFlight: number; ended: Record<string, number> };
  /** predictive pre-generation: registries watched, predictions run, used by a request, wasted */
  predictions: PrefetchStats;
  tasks: { inFlight: number };
  spans: { exported: number; failed: number; otlp: boolean };
  /** generators in use, and the configured ones skipped with the reason */
  models: { active: string[]; skipped: string[] };
}

/** The facade the CLI and the API use. One per home folder. */
export interface WeaverNode {
  readonly config: NodeConfig;
  readonly token: string;
  /** true when the home had no database before this start */
  readonly fresh: boolean;
  /**
   * Checks and stores a generation, then runs it; with an idempotency key, a retry of the same
   * request gets the first one's id (`replayed`) instead of running it twice.
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
  checkRegistry(dir: string): Promise<LoadResult>;
  health(): NodeHealth;
  /** this node's peer id and addresses, its peers (score, digests, rejections by reason) and network counters */
  peers(): ReturnType<Peering['info']>;
  /** pattern packs: search, show, publish, install, rate, list (node/packs/market.ts) */
  patterns: PatternService;
  /** in-flight generations finish (or are recorded cancelled after the grace period), then stores close */
  stop(): Promise<void>;
}

export interface NodeInit {
  /** register telemetry as the process's global OpenTelemetry SDK (one node per process: the CLI) */
  globalTelemetry?: boolean;
  /** what runs this node, for the home's announcement (`weavergen generate`, ...) */
  command?: string;
  /**
   * run again the generations and tasks an earlier process acknowledged but did not finish
   * (default true; a CLI command that only reads leaves them for the next node)
   */
  recover?: boolean;
}

/**
 * Composes the node on its home. A part that fails to start (a bad listen address, a broken config)
 * leaves nothing behind: what was opened before it is closed and the home's lock released.
 */
export async function createNode(config: NodeConfig, init: NodeInit = {}): Promise<WeaverNode> {
  const opened: (() => Promise<unknown>)[] = [];
  try {
    return await composeNode(config, init, opened);
  } catch (e) {
    for (const close of opened.reverse()) await close().catch(() => {});
    throw e;
  }
}

async function composeNode(
  config: NodeConfig,
  init: NodeInit,
  opened: (() => Promise<unknown>)[],
): Promise<WeaverNode> {
  const started = Date.now();
  const render = config.generation.render;
  if (render)
    configureRenderPool({
      candidateMs: render.candidateMs,
      generationMs: render.generationMs,
      heapMb: render.heapMb,
      ...(render.processes ? { maxProcesses: render.processes } : {}),
    });
  const { fresh } = await ensureHome(config.home).catch((e: Error) => {
    throw new NodeError(
      { code: NodeErrorCode.HOME_UNUSABLE, home: config.home },
      `cannot use the home ${config.home}: ${e.message}`,
    );
  });
  const token = await ensureToken(config.home);
  const store: Store = await createStore({ path: join(config.home, 'db') }).catch(async (e) => {
    if (isLockError(e)) throw await homeLocked(config.home);
    throw new NodeError(
      { code: NodeErrorCode.HOME_UNUSABLE, home: config.home },
      `cannot open the database in ${config.home}/db: ${(e as Error).cause ?? (e as Error).message}`,
    );
  });
  opened.push(() => store.close());
  // whoever finds the home locked can say which process holds it
  await announce(config.home, { pid: process.pid, startedAt: started, command: init.command });
  opened.push(() => unannounce(config.home));
  const telemetry: Telemetry = await createTelemetry(
    { store },
    {
      serviceName: config.telemetry.serviceName,
      otlpEndpoint: config.telemetry.otlpEndpoint,
      global: init.globalTelemetry,
    },
  );
  opened.push(() => telemetry.shutdown());
  const spans = createSpanQueries(store);
  const validator = createValidator({ timeoutMs: config.generation.toolTimeoutMs });
  // model generators: builtin always; Ollama/OpenAI/Anthropic when configured and reachable, else skipped with a reason
  const models = await createGenerators(config.models ?? {});
  const llmIds = models.generators.filter((g) => g.kind !== 'builtin').map((g) => g.id);
  const orchestra = createOrchestra(
    { validator, tracer: telemetry.tracer, cache: createResultCache(store), models },
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
  const peering = await createPeering(
    { store, learning, log: (m) => process.stderr.write(`weavergen: ${m}\n`) },
    config,
  );
  opened.push(() => peering.stop());
  const patterns = await createPatternService(
    { store, peering, validator, learning, log: (m) => process.stderr.write(`weavergen: ${m}\n`) },
    { toolTimeoutMs: config.generation.toolTimeoutMs },
  );
  let stopping = false;
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
            llmModels: (only) => llmIds.filter((id) => !only || only.includes(id)),
            predictor: () => learning.predictor(),
            requests: {
              get: (key) => store.get('cache', key),
              put: (key, value) => store.put('cache', key, value),
            },
            decide,
            progress: (language, phase, detail) =>
              emit({ type: 'progress', id: record.id, language, phase, detail }),
          },
          {
            candidates: record.request.candidates ?? config.generation.candidates,
            threshold: config.generation.successThreshold,
            maxRounds: config.generation.maxRounds,
            outRoot: join(config.home, 'out'),
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
        await peering.refresh();
        return record;
      },
    },
    { concurrency: config.generation.concurrency, maxQueued: config.generation.maxQueued },
  );
  if (init.recover !== false) await jobs.recover();
  // run ahead, when a registry users generated from changes, what they are likely to ask next
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
      busy: () => jobs.inFlight() > 0 || tasks.inFlight() > 0,
      run: async (request) => (await jobs.submit(request, { origin: 'prediction' })).done,
    },
    { enabled: config.generation.predict.enabled, debounceMs: config.generation.predict.debounceMs },
  );
  const tasks = createTaskService(
    { store, tracer: telemetry.tracer, models: config.models ?? {}, decide },
    { concurrency: config.generation.concurrency, maxQueued: config.generation.maxQueued },
  );
  if (init.recover !== false) await tasks.recover();

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

  // read again at most every HEALTH_STALE_MS (one frozen object shared meanwhile, which also lets
  // the API keep its JSON); a stopping node says so at once
  let healthy: { at: number; health: NodeHealth } | undefined;
  function health(): NodeHealth {
    const now = Date.now();
    if (!stopping && healthy && now - healthy.at < HEALTH_STALE_MS) return healthy.health;
    const { exported, failed, otlp } = telemetry.stats();
    const current: NodeHealth = deepFreeze({
      status: stopping ? 'stopping' : 'ok',
      version: VERSION,
      uptimeMs: now - started,
      home: config.home,
      generations: { inFlight: jobs.inFlight(), ended: jobs.ended() },
      predictions: prefetcher.stats(),
      tasks: { inFlight: tasks.inFlight() },
      spans: { exported, failed, otlp },
      models: { active: models.generators.map((g) => g.id), skipped: models.skipped.map((s) => s.message) },
    });
    healthy = stopping ? undefined : { at: now, health: current };
    return current;
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

  return {
    config,
    token,
    fresh,
    async generate(request, options = {}) {
      if (stopping)
        throw new NodeError({ code: NodeErrorCode.STOPPING }, 'the node is stopping: no new generations');
      const submit = async () => {
        await checkRequest(
          request,
          llmIds,
          { home: config.home, roots: [process.cwd(), ...config.generation.outputRoots] },
          await patterns.installedPacks(),
        );
        const started = await jobs.submit(request);
        void started.done.then((r) => prefetcher.noted(r)).catch(() => {});
        return started;
      };
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
      if (stopping)
        throw new NodeError({ code: NodeErrorCode.STOPPING }, 'the node is stopping: no new tasks');
      if (!idempotencyKey) return tasks.start(task, options);
      const r = await idempotency.once('task', idempotencyKey, { task, options }, () =>
        tasks.start(task, options),
      );
      return r.started ?? { id: r.id, done: tasks.wait(r.id) as Promise<TaskRecord>, replayed: true };
    },
    taskRecord: (id) => tasks.get(id),
    tasks: (limit) => tasks.list(limit),
    decisions,
    spans,
    insights,
    learningHistory: async (n) => learningHistory(await learning.outcomes(n)),
    armQualities: async (context) => armQualities(await learning.armStats(context)),
    checkRegistry: (dir) => loadRegistryOffThread(dir),
    peers: () => peering.info(),
    patterns,
    health,
    async stop() {
      if (stopping) return;
      stopping = true;
      prefetcher.stop();
      await Promise.all([
        jobs.drain(config.generation.shutdownGraceMs),
        tasks.stop(config.generation.shutdownGraceMs),
      ]);
      await peering.stop();
      await telemetry.shutdown();
      await store.close();
      await unannounce(config.home);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
