import { join } from 'node:path';
import type { NodeConfig } from './config.js';
import { configureRenderPool } from './generation/index.js';
import { announce, ensureHome, ensureToken, homeLocked, isLockError, unannounce } from './home.js';
import type { Learning } from './learning/index.js';
import { createGenerators } from './models/index.js';
import { NodeError, NodeErrorCode } from './node-errors.js';
import { limit } from './orchestra/limit.js';
import { createPeering, type Peering } from './peering.js';
import { createPlugins } from './plugins/index.js';
import type { PrefetchStats } from './prediction/index.js';
import { sharedArmStats } from './shared-learning.js';
import { createStore, type Store } from './storage/index.js';
import { createTenancy, DEFAULT_TENANT, type Tenancy } from './tenancy/index.js';
import {
  composeTenantScope,
  deepFreeze,
  type SharedParts,
  type TenantNode,
  type TenantScope,
} from './tenant-scope.js';
import { createValidator } from './validation/index.js';
import { VERSION } from './version.js';

export { NodeError, NodeErrorCode } from './node-errors.js';

/** How old health()'s counters may be: it is polled (dashboards, scripts, probes) far more often. */
export const HEALTH_STALE_MS = 100;
export { INSIGHTS_STALE_MS, type TenantNode } from './tenant-scope.js';

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

/**
 * The facade the CLI and the API use. One per home folder. Its tenant members act in the default
 * tenant (a node without tenants has only that one); `forTenant` gives another tenant's.
 */
export interface WeaverNode extends TenantNode {
  readonly config: NodeConfig;
  /** the home's token: the node operator's (every tenant, tenant management) */
  readonly token: string;
  /** true when the home had no database before this start */
  readonly fresh: boolean;
  /** tenants, their tokens, roles and quotas */
  tenancy: Tenancy;
  /** a tenant's view of the node (its parts composed on first use); throws TENANT_NOT_FOUND */
  forTenant(id: string): Promise<TenantNode>;
  health(): NodeHealth;
  /** this node's peer id and addresses, its peers (score, digests, rejections by reason) and network counters */
  peers(): ReturnType<Peering['info']>;
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
  // plugins first (config.plugins, once per process): one that cannot be used stops the start
  // before anything is opened, with one line naming it, the reason and the fix
  const plugins = await createPlugins({
    plugins: config.plugins,
    home: config.home,
    log: (m) => process.stderr.write(`weavergen: ${m}\n`),
  });
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
  const validator = createValidator({ timeoutMs: config.generation.toolTimeoutMs, checks: plugins.checks });
  // model generators: builtin always; Ollama/OpenAI/Anthropic when configured and reachable, else skipped with a reason
  const models = await createGenerators(config.models ?? {}, { extra: plugins.generators });
  const tenancy = await createTenancy({ store }, { home: config.home });
  const log = (m: string) => process.stderr.write(`weavergen: ${m}\n`);
  const scopes = new Map<string, Promise<TenantScope>>();
  let composed = false;
  // the tenants composed so far, for health's sums
  const open: TenantScope[] = [];
  // the node's digests are built from the tenants that opted in to sharing (the default tenant's
  // sharing is network.share, unless its admin turned it off)
  const sharedLearning = {
    async allArmStats() {
      // peering reads once while it starts, before any tenant is composed: nothing learned yet
      if (!composed) return [];
      const sharing = tenancy.list().filter((t) => t.share);
      const stats = await Promise.all(sharing.map(async (t) => (await scope(t.id)).learning.allArmStats()));
      // with several tenants sharing, each entry counts its distinct tenants (peering's kProjects)
      return sharedArmStats(stats);
    },
  } as Learning;
  const peering = await createPeering({ store, learning: sharedLearning, log }, config);
  opened.push(() => peering.stop());
  let stopping = false;
  const shared: SharedParts = {
    config,
    store,
    validator,
    models,
    plugins,
    peering,
    tenancy,
    // every tenant's generations (and tasks) take one of these to run: the node's concurrency holds
    // however many tenants submit at once (the waiting ones run in the order they came)
    slots: { generations: limit(config.generation.concurrency), tasks: limit(config.generation.concurrency) },
    busy: () =>
      open.some((s) => {
        const n = s.inFlight();
        return n.generations + n.tasks > 0;
      }),
    stopping: () => stopping,
    globalTelemetry: init.globalTelemetry,
    recover: init.recover !== false,
    log,
  };
  function scope(id: string): Promise<TenantScope> {
    let s = scopes.get(id);
    if (!s) {
      tenancy.get(id);
      s = composeTenantScope(shared, id, opened);
      s.then(
        (x) => open.push(x),
        () => scopes.get(id) === s && scopes.delete(id),
      );
      scopes.set(id, s);
    }
    return s;
  }
  const main = await scope(DEFAULT_TENANT);
  // work a tenant had acknowledged before a restart runs again: every tenant's parts start now
  // (a command that only reads leaves it for the next node, and composes a tenant on first use)
  if (init.recover !== false) for (const t of tenancy.list()) await scope(t.id);
  composed = true;
  await peering.refresh();

  // read again at most every HEALTH_STALE_MS (one frozen object shared meanwhile, which also lets
  // the API keep its JSON); a stopping node says so at once
  let healthy: { at: number; health: NodeHealth } | undefined;
  function health(): NodeHealth {
    const now = Date.now();
    if (!stopping && healthy && now - healthy.at < HEALTH_STALE_MS) return healthy.health;
    const sum = (f: (s: TenantScope) => number) => open.reduce((a, s) => a + f(s), 0);
    const current: NodeHealth = deepFreeze({
      status: stopping ? 'stopping' : 'ok',
      version: VERSION,
      uptimeMs: now - started,
      home: config.home,
      generations: { inFlight: sum((s) => s.inFlight().generations), ended: sumEnded(open) },
      predictions: main.predictions(),
      tasks: { inFlight: sum((s) => s.inFlight().tasks) },
      spans: {
        exported: sum((s) => s.spanStats().exported),
        failed: sum((s) => s.spanStats().failed),
        otlp: main.spanStats().otlp,
      },
      models: { active: models.generators.map((g) => g.id), skipped: models.skipped.map((s) => s.message) },
    });
    healthy = stopping ? undefined : { at: now, health: current };
    return current;
  }

  return {
    ...main.node,
    config,
    token,
    fresh,
    tenancy,
    forTenant: async (id) => (await scope(id)).node,
    peers: () => peering.info(),
    health,
    async stop() {
      if (stopping) return;
      stopping = true;
      const all = await Promise.all([...scopes.values()].map((s) => s.catch(() => undefined)));
      await Promise.all(all.map((s) => s?.stop(config.generation.shutdownGraceMs)));
      await peering.stop();
      await store.close();
      await unannounce(config.home);
    },
  };
}

/** Generations that ended in this process by final status, over every tenant. */
function sumEnded(scopes: TenantScope[]): Record<string, number> {
  const all: Record<string, number> = {};
  for (const s of scopes) for (const [k, n] of Object.entries(s.ended())) all[k] = (all[k] ?? 0) + n;
  return all;
}
