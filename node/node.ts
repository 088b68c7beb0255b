import { join } from 'node:path';
import type { NodeConfig } from './config.js';
import { createResultCache } from './generation/cache.js';
import { ensureHome, ensureToken } from './home.js';
import {
  createJobs,
  type DecisionRecord,
  decisionKey,
  type GenerationEvent,
  type GenerationRecord,
  type GenerationRequest,
  runGeneration,
} from './jobs/index.js';
import { contextKey, type GenerationContext } from './learning/context.js';
import { createLearning, type Learning } from './learning/index.js';
import { createGenerators } from './models/index.js';
import { type Arm, createOptimizer, type Optimizer } from './optimizer/index.js';
import { createOrchestra } from './orchestra/index.js';
import { createPeering, type Peering } from './peering.js';
import { type LoadResult, loadRegistry } from './semconv/index.js';
import { createStore, type Store } from './storage/index.js';
import { createTaskService, type Task, type TaskRecord, type TaskRequestOptions } from './tasks/index.js';
import { createSpanQueries, createTelemetry, type SpanQueries, type Telemetry } from './telemetry/index.js';
import { createValidator } from './validation/index.js';

export enum NodeErrorCode {
  STOPPING = 'NODE_STOPPING',
}

export class NodeError extends Error {
  constructor(
    readonly code: NodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export interface NodeHealth {
  status: 'ok' | 'stopping';
  version: string;
  uptimeMs: number;
  home: string;
  generations: { inFlight: number };
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
  generate(request: GenerationRequest): Promise<{ id: string; done: Promise<GenerationRecord> }>;
  generation(id: string): Promise<GenerationRecord | undefined>;
  generations(limit?: number): Promise<GenerationRecord[]>;
  subscribe(id: string, listener: (e: GenerationEvent) => void): () => void;
  /**
   * Stores a free-form task for the configured chat models and runs it in the background (see
   * node/tasks); `done` resolves with its final record. Throws TASK_NO_MODELS without a chat model.
   */
  task(task: Task, options?: TaskRequestOptions): Promise<{ id: string; done: Promise<TaskRecord> }>;
  taskRecord(id: string): Promise<TaskRecord | undefined>;
  /** a generation's or a task's decisions */
  decisions(generationId: string): Promise<DecisionRecord[]>;
  spans: SpanQueries;
  insights(): ReturnType<Learning['insights']>;
  checkRegistry(dir: string): Promise<LoadResult>;
  health(): NodeHealth;
  /** this node's peer id and addresses, its peers (score, digests, rejections by reason) and network counters */
  peers(): ReturnType<Peering['info']>;
  /** in-flight generations finish (or are recorded cancelled after the grace period), then stores close */
  stop(): Promise<void>;
}

export interface NodeInit {
  /** register telemetry as the process's global OpenTelemetry SDK (one node per process: the CLI) */
  globalTelemetry?: boolean;
}

export async function createNode(config: NodeConfig, init: NodeInit = {}): Promise<WeaverNode> {
  const started = Date.now();
  const { fresh } = await ensureHome(config.home);
  const token = await ensureToken(config.home);
  const store: Store = await createStore({ path: join(config.home, 'db') });
  const telemetry: Telemetry = createTelemetry(
    { store },
    {
      serviceName: config.telemetry.serviceName,
      otlpEndpoint: config.telemetry.otlpEndpoint,
      global: init.globalTelemetry,
    },
  );
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
  const optimizer: Optimizer = createOptimizer({ store, learning });
  const peering = await createPeering(
    { store, learning, log: (m) => process.stderr.write(`weavergen: ${m}\n`) },
    config,
  );
  let stopping = false;
  const reviewQueue: { context: GenerationContext; arms: Arm[] }[] = [];

  const decide = async (d: DecisionRecord) => store.put('decisions', decisionKey(d), d);

  const jobs = createJobs(
    {
      store,
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
            signal,
          },
        );
        // learning reads the generation back from its spans, as stored; then promotions are reviewed
        await telemetry.flush();
        await learning.ingestGeneration(record.id);
        for (const { context, arms } of reviewQueue.splice(0)) await optimizer.review(context, arms);
        await peering.refresh();
        return record;
      },
    },
    { concurrency: config.generation.concurrency },
  );
  await jobs.recover();
  const tasks = createTaskService(
    { store, tracer: telemetry.tracer, models: config.models ?? {}, decide },
    { concurrency: config.generation.concurrency },
  );
  await tasks.recover();

  return {
    config,
    token,
    fresh,
    generate: (request) => {
      if (stopping)
        return Promise.reject(
          new NodeError(NodeErrorCode.STOPPING, 'the node is stopping: no new generations'),
        );
      return jobs.submit(request);
    },
    generation: (id) => jobs.get(id),
    generations: (n) => jobs.list(n),
    subscribe: (id, l) => jobs.subscribe(id, l),
    task: (task, options) => {
      if (stopping)
        return Promise.reject(new NodeError(NodeErrorCode.STOPPING, 'the node is stopping: no new tasks'));
      return tasks.start(task, options);
    },
    taskRecord: (id) => tasks.get(id),
    async decisions(generationId) {
      const own = (await store.scan<DecisionRecord>('decisions', { prefix: `gen!${generationId}!` })).map(
        ([, d]) => d,
      );
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
    },
    spans,
    insights: () => learning.insights(),
    checkRegistry: (dir) => loadRegistry(dir),
    peers: () => peering.info(),
    health: () => ({
      status: stopping ? 'stopping' : 'ok',
      version: '0.1.0',
      uptimeMs: Date.now() - started,
      home: config.home,
      generations: { inFlight: jobs.inFlight() },
      tasks: { inFlight: tasks.inFlight() },
      spans: (({ exported, failed, otlp }) => ({ exported, failed, otlp }))(telemetry.stats()),
      models: { active: models.generators.map((g) => g.id), skipped: models.skipped.map((s) => s.message) },
    }),
    async stop() {
      if (stopping) return;
      stopping = true;
      await Promise.all([
        jobs.drain(config.generation.shutdownGraceMs),
        tasks.stop(config.generation.shutdownGraceMs),
      ]);
      await peering.stop();
      await telemetry.shutdown();
      await store.close();
    },
  };
}

/**
 * Safe exploration: the incumbent (the promoted variant, else the pack's defaults) always runs, and
 * the other k-1 candidates are drawn by Thompson sampling among the remaining arms. The winner is
 * the best measured quality, so a user never gets less than the incumbent while the node keeps
 * learning which variants do better.
 */
export async function chooseArms(
  optimizer: Optimizer,
  context: GenerationContext,
  arms: Arm[],
  k: number,
  priors: Record<string, { n: number; sumQ: number; sumQ2?: number }> = {},
): Promise<{ chosen: Arm[]; reason: string; alternatives: string[] }> {
  const builtin = arms.filter((a) => a.model === 'builtin');
  const why: string[] = [];
  const chosen: Arm[] = [];
  const alternatives: string[] = [];
  const show = (a: { arm: Arm; mean: number; n: number }) =>
    `${a.arm.packName} ${JSON.stringify(a.arm.params)} @${a.arm.model} mean=${a.mean.toFixed(3)} n=${a.n}`;
  if (builtin.length > 0) {
    const packName = builtin.find((a) => a.isDefault)?.packName ?? builtin[0].packName;
    const promoted = await optimizer.promoted(context, packName);
    const incumbent =
      (promoted &&
        builtin.find(
          (a) => a.packName === packName && Object.entries(promoted).every(([p, v]) => a.params[p] === v),
        )) ??
      builtin.find((a) => a.isDefault) ??
      builtin[0];
    chosen.push(incumbent);
    why.push(`incumbent: ${promoted ? 'promoted variant' : 'pack defaults'}`);
    const rest = builtin.filter((a) => a !== incumbent);
    if (k > 1 && rest.length > 0) {
      const choice = await optimizer.choose(context, rest, Math.min(k - 1, rest.length), { priors });
      chosen.push(...choice.chosen.map((c) => c.arm));
      why.push(...choice.chosen.map((c) => `challenger by Thompson sampling: ${c.reason}`));
      alternatives.push(...choice.alternatives.map(show));
    }
  }
  // every configured model generator runs too, with its best prompt variant by Thompson sampling
  for (const model of [...new Set(arms.filter((a) => a.model !== 'builtin').map((a) => a.model))]) {
    const choice = await optimizer.choose(
      context,
      arms.filter((a) => a.model === model),
      1,
      { priors },
    );
    chosen.push(...choice.chosen.map((c) => c.arm));
    why.push(...choice.chosen.map((c) => `${model}: ${c.reason}`));
    alternatives.push(...choice.alternatives.map(show));
  }
  return { chosen, reason: why.join('; '), alternatives };
}
