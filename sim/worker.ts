/**
 * One OS process of the simulation (sim/index.ts forks a few): hosts real WeaverGen network nodes on
 * 127.0.0.1 and, per world seed, their roles: honest projects that learn and publish their
 * statistics through the real anonymizer and network, sybils that publish lies the same way, and
 * new nodes that only receive. The new nodes and a sample of honest nodes (the judges) feed what
 * they receive into real marketplaces (receiveDigest with their own statistics, as
 * node/peering.ts does), one per sybil scenario (the same received digests, filtered by author),
 * and keep the digests for the plain-mean baseline. Answers the parent over the fork IPC channel.
 */
import '../node/network/polyfill.js';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createMarketplace, type Marketplace, type PeerDigest } from '../marketplace/index.js';
import { createNetwork, createPeerKey, type Network } from '../node/network/index.js';
import { type ArmPrior, DEFAULT_NETWORK_PRIOR, networkPrior, seededRandom } from '../node/optimizer/index.js';
import { posterior, thompsonRank } from '../node/optimizer/thompson.js';
import { type ArmStatsLike, DIGEST_TOPIC, type Digest, LIMITS } from '../protocols/index.js';
import { serve } from './ipc.js';
import {
  firstWithin,
  generationsUntilWithin,
  inScenario,
  kendallTau,
  means,
  plainPool,
  plainPriors,
  type Role,
  SCENARIOS,
  type Scenario,
  topChoice,
  within,
} from './metrics.js';
import { runNewcomer } from './newcomer.js';
import { createPeerLearner, type PeerLearner, sybilLies } from './peer.js';
import { dumpNewcomer } from './replay.js';
import { drawProject, drawSimWorld, type Project, type SimArm, type SimWorld } from './world.js';

export const now = () => performance.timeOrigin + performance.now();

/**
 * robust: the marketplace's priors as the product uses them (trust-weighted, each peer weighted by
 * its agreement with the consensus, clipped at the weighted median, arms counted by their support);
 * clipped: the same without the consensus factor and the support rule (priorsFor's
 * `consensus: false`, the ablation); weighted: the marketplace's plain weighted mean without them
 * (`robust: false, consensus: false`, the baseline it offers); plain: every received entry pooled
 * with no trust, no caps and no clipping, computed here from the digests the node received.
 */
export const AGGREGATORS = ['robust', 'clipped', 'weighted', 'plain'] as const;
export type Aggregator = (typeof AGGREGATORS)[number];
export const NEWCOMER_VARIANTS = [
  'none',
  'none:flat',
  'robust:honest',
  'exact:honest',
  'robust:s20',
  'robust:s40',
  'clipped:s20',
  'clipped:s40',
  'weighted:s20',
  'weighted:s40',
] as const;
/**
 * priorsFor's options for a marketplace aggregator; `exact` is robust without the back-off to
 * neighbouring contexts (the ablation of marketplace/neighbours.ts)
 */
const optionsOf = (a: Exclude<Aggregator, 'plain'> | 'exact') =>
  a === 'robust' ? {} : a === 'exact' ? { backoff: false } : { robust: a === 'clipped', consensus: false };
export type NewcomerVariant = (typeof NEWCOMER_VARIANTS)[number];

export interface SeedPlan {
  seed: number;
  /** the first digest epoch of this seed (earlier ones are from the previous seed) */
  startEpoch: number;
  /** by global index: peer id and role; sybils carry their rank (the first `s20` are in the 20% scenario) */
  nodes: { peerId: string; role: Role; rank: number }[];
  s20: number;
  /** global indexes of the honest nodes that keep marketplaces and are judged (metric 2) */
  judges: number[];
  /** generations an honest peer runs over the whole seed */
  horizon: number;
}

export interface RobustCell {
  scenario: Scenario;
  aggregator: Aggregator;
  /** 'peer': an honest node's own evidence plus the priors; 'new': the priors alone */
  view: 'peer' | 'new';
  cases: number;
  unchanged: number;
  badTop: number;
  draws: number;
  badDraws: number;
  tauSum: number;
  tauN: number;
}

export interface NewcomerResult {
  node: number;
  variant: NewcomerVariant;
  generations: number;
  until: number;
  first: number;
  /** mean over generations of delivered hidden q / best hidden q */
  ratio: number;
  /** share of generations within 5% of the best */
  withinShare: number;
  badRun: number;
  badDelivered: number;
}

export interface Traffic {
  rpcs: number;
  rpcBytes: number;
  digestMessages: number;
  digestBytes: number;
  /** RPCs sent with more message bytes than a receiver accepts in one frame (the network's maxInboundDataLength) */
  oversizedRpcs: number;
  largestRpcBytes: number;
}

const traffic: Traffic = {
  rpcs: 0,
  rpcBytes: 0,
  digestMessages: 0,
  digestBytes: 0,
  oversizedRpcs: 0,
  largestRpcBytes: 0,
};

/** Counts every gossipsub RPC a hosted node decodes (all of them: messages, control, heartbeats' gossip). */
async function instrumentGossipsub(): Promise<void> {
  const url = new URL('./gossipsub.js', import.meta.resolve('@libp2p/gossipsub'));
  type Rpc = { messages?: { topic?: string; data?: Uint8Array }[] };
  const mod = (await import(url.href)) as {
    GossipSub: {
      prototype: {
        decodeRpc(this: object, bytes: Uint8Array): Rpc;
        sendRpc(this: object, id: string, rpc: Rpc): boolean;
      };
    };
  };
  const proto = mod.GossipSub.prototype;
  const send = proto.sendRpc;
  proto.sendRpc = function (id, rpc) {
    const bytes = (rpc.messages ?? []).reduce((a, m) => a + (m.data?.length ?? 0), 0);
    traffic.largestRpcBytes = Math.max(traffic.largestRpcBytes, bytes);
    if (bytes > 4 * LIMITS.digestBytes) traffic.oversizedRpcs++;
    return send.call(this, id, rpc);
  };
  const decode = proto.decodeRpc;
  proto.decodeRpc = function (bytes) {
    const rpc = decode.call(this, bytes);
    traffic.rpcs++;
    traffic.rpcBytes += bytes.length;
    for (const m of rpc.messages ?? [])
      if (m.topic === DIGEST_TOPIC) {
        traffic.digestMessages++;
        traffic.digestBytes += m.data?.length ?? 0;
      }
    return rpc;
  };
}

interface Hosted {
  net: Network;
  global: number;
}

interface NodeState {
  role: Role;
  project: Project;
  learner?: PeerLearner;
  /** the node's statistics as of its last generations (what it judges peers' digests against) */
  local: ArmStatsLike[];
  /** judges and new nodes: one real marketplace per scenario */
  markets?: Record<Scenario, Marketplace>;
  /** latest digest received per author (this seed) */
  received?: Map<string, PeerDigest>;
  /** digests received and not yet given to the marketplaces, with the statistics of that moment */
  pending?: { digest: PeerDigest; from: string; local: ArmStatsLike[] }[];
}

interface SeedState {
  plan: SeedPlan;
  w: SimWorld;
  roleOf: Map<string, { role: Role; rank: number }>;
  nodes: Map<number, NodeState>;
  receipts: { key: string; at: number; node: number }[];
  lies?: ReturnType<typeof sybilLies>;
}

const hosted: Hosted[] = [];
/** how late this process's event loop runs (what all its nodes' pings and gossip wait behind) */
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();
let current: SeedState | undefined;

function onDigest(local: number, digest: Digest, from: string): void {
  const st = current;
  if (!st || digest.epoch < st.plan.startEpoch) return;
  st.receipts.push({ key: `${digest.peer}|${digest.epoch}`, at: now(), node: hosted[local].global });
  const node = st.nodes.get(local);
  // given to the marketplaces after the epoch's gossip (ingest), in arrival order, with the
  // statistics the node had on arrival: fifty nodes share a process here, and doing it inline
  // would stall their event loop (and their connections) while a digest floods the network
  node?.pending?.push({ digest: digest as unknown as PeerDigest, from, local: node.local });
}

const yieldLoop = () => new Promise((r) => setImmediate(r));

/** Gives the digests received since the last call to the judges' marketplaces (receiveDigest, as node/peering.ts). */
async function ingest(): Promise<{ digests: number }> {
  const st = current;
  if (!st) return { digests: 0 };
  let digests = 0;
  for (const node of st.nodes.values()) {
    if (!node.pending || !node.markets || !node.received) continue;
    for (const { digest, from, local } of node.pending) {
      const author = st.roleOf.get(from);
      for (const s of SCENARIOS)
        if (inScenario(author, s, st.plan.s20)) node.markets[s].receiveDigest(digest, local, from);
      const held = node.received.get(from);
      if (!held || held.epoch < digest.epoch) node.received.set(from, digest);
      digests++;
      // let the hosted nodes' own work (pings, gossip) run between digests
      if (digests % 10 === 0) await yieldLoop();
    }
    node.pending = [];
  }
  return { digests };
}

async function start(
  count: number,
  offset: number,
  epochMs: number,
): Promise<{ addrs: string[]; peerIds: string[] }> {
  for (let i = 0; i < count; i++) {
    const net = createNetwork(
      {},
      {
        peerKey: await createPeerKey(),
        // connection upkeep every 2 s instead of 10 s (epochs are short); minPeers is the product's 4
        maintainIntervalMs: 2000,
        dhtServer: false,
        // the product's per-author and per-relay limits are sized for 24 h epochs; these epochs last seconds
        rateLimits: {
          digestsPerAuthor: { perMinute: 6000, burst: 100 },
          messagesPerPeer: { perMinute: 60_000, burst: 5000 },
        },
        // k, epsilon and the yearly budget are the product defaults (5, 1, 365); only the epoch is short
        anonymizer: { epochMs },
        // every node here has the same IP: gossipsub's IP-colocation penalty (P6: more than 10 peers
        // seen from one IP) would graylist peers that are distinct machines in a real network
        scoreParams: { IPColocationFactorWeight: 0 },
        // and the per-IP inbound connection limits (8 held, 10 new per minute) would refuse peers for the same reason
        inboundLimits: { perIp: 1000, ratePerIp: { perMinute: 60_000, burst: 1000 } },
      },
    );
    const local = hosted.length;
    net.onDigest((d, meta) => onDigest(local, d, meta.from));
    hosted.push({ net, global: offset + i });
  }
  await Promise.all(hosted.map((h) => h.net.start()));
  return { addrs: hosted.map((h) => h.net.addresses()[0]), peerIds: hosted.map((h) => h.net.peerId) };
}

async function dial(plan: [number, string][]): Promise<[number, string][]> {
  const failed: [number, string][] = [];
  await Promise.all(
    plan.map(([i, addr]) =>
      hosted[i].net.dial(addr).catch(() => {
        failed.push([i, addr]);
      }),
    ),
  );
  return failed;
}

function mesh(): { min: number; subscribers: number } {
  let min = Number.POSITIVE_INFINITY;
  let subscribers = Number.POSITIVE_INFINITY;
  for (const h of hosted) {
    const t = h.net.stats().topics[DIGEST_TOPIC] ?? { mesh: 0, subscribers: 0 };
    min = Math.min(min, t.mesh);
    subscribers = Math.min(subscribers, t.subscribers);
  }
  return { min, subscribers };
}

async function setSeed(plan: SeedPlan): Promise<{ contexts: number }> {
  const w = await drawSimWorld(plan.seed);
  const roleOf = new Map(plan.nodes.map((n) => [n.peerId, { role: n.role, rank: n.rank }]));
  const nodes = new Map<number, NodeState>();
  hosted.forEach((h, local) => {
    const role = plan.nodes[h.global].role;
    const project = drawProject(w, h.global);
    const state: NodeState = { role, project, local: [] };
    if (role === 'honest')
      state.learner = createPeerLearner(
        w,
        h.global,
        project,
        plan.horizon,
        seededRandom(plan.seed * 1009 + h.global),
      );
    if (role === 'newcomer' || (role === 'honest' && plan.judges.includes(h.global))) {
      // the product's marketplace, as node/peering.ts creates it (its defaults)
      state.markets = { honest: createMarketplace(), s20: createMarketplace(), s40: createMarketplace() };
      state.received = new Map();
      state.pending = [];
    }
    nodes.set(local, state);
  });
  current = { plan, w, roleOf, nodes, receipts: [] };
  return { contexts: w.contexts.length };
}

async function generate(generations: number): Promise<void> {
  for (const n of current?.nodes.values() ?? [])
    if (n.learner) {
      await yieldLoop();
      n.learner.run(generations);
      n.local = n.learner.stats();
      // as node/peering.ts after a generation: held digests judged again against the new statistics
      if (n.markets) for (const s of SCENARIOS) n.markets[s].recheck(n.local);
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every honest node and sybil publishes once, at a random moment within `windowMs`. */
async function publish(windowMs: number): Promise<{
  published: { key: string; t: number; bytes: number }[];
  refused: Record<string, number>;
}> {
  const st = current;
  if (!st) throw new Error('no seed');
  const published: { key: string; t: number; bytes: number }[] = [];
  const refused: Record<string, number> = {};
  await Promise.all(
    hosted.map(async (h, local) => {
      const node = st.nodes.get(local) as NodeState;
      if (node.role === 'newcomer') return;
      await sleep(Math.random() * windowMs);
      st.lies ??= sybilLies(st.w);
      const stats = node.role === 'sybil' ? st.lies : node.local;
      const built = await h.net.buildDigest(stats);
      if (!built.ok) {
        refused[built.reason] = (refused[built.reason] ?? 0) + 1;
        return;
      }
      const t = now();
      const p = await h.net.publishDigest(built.digest);
      published.push({
        key: `${p.digest.peer}|${p.digest.epoch}`,
        t,
        bytes: JSON.stringify(p.digest).length,
      });
    }),
  );
  return { published, refused };
}

function filtered(node: NodeState, s: Scenario): PeerDigest[] {
  const st = current as SeedState;
  return [...(node.received as Map<string, PeerDigest>)]
    .filter(([author]) => inScenario(st.roleOf.get(author), s, st.plan.s20))
    .map(([, d]) => d);
}

/** Metric 2 on every honest node and new node hosted here, and metric 1's runs for the new nodes. */
async function evaluate(horizon: number): Promise<{ cells: RobustCell[]; newcomers: NewcomerResult[] }> {
  const st = current;
  if (!st) throw new Error('no seed');
  const { w } = st;
  const cells = new Map<string, RobustCell>();
  const cell = (scenario: Scenario, aggregator: Aggregator, view: 'peer' | 'new') => {
    const key = `${scenario}|${aggregator}|${view}`;
    let c = cells.get(key);
    if (!c) {
      c = {
        scenario,
        aggregator,
        view,
        cases: 0,
        unchanged: 0,
        badTop: 0,
        draws: 0,
        badDraws: 0,
        tauSum: 0,
        tauN: 0,
      };
      cells.set(key, c);
    }
    return c;
  };
  const random = seededRandom(st.plan.seed * 17 + 1);
  const DRAWS = 20;
  for (const node of st.nodes.values()) {
    if (!node.markets) continue;
    await yieldLoop();
    const digests = Object.fromEntries(SCENARIOS.map((s) => [s, filtered(node, s)])) as Record<
      Scenario,
      PeerDigest[]
    >;
    for (const ci of node.project.contexts) {
      const c = w.contexts[ci];
      const incumbent = c.arms.find((a) => (a as SimArm).kind === 'builtin' && a.isDefault) ?? c.arms[0];
      const views: ('peer' | 'new')[] = node.role === 'honest' ? ['peer', 'new'] : ['new'];
      for (const aggregator of AGGREGATORS) {
        const markets = node.markets as Record<Scenario, Marketplace>;
        const priorsOf = (s: Scenario): Record<string, ArmPrior> =>
          aggregator === 'plain'
            ? plainPriors(plainPool(digests[s], c.key))
            : markets[s].priorsFor(c.key, c.arms, undefined, optionsOf(aggregator));
        // the aggregate's mean per arm (the priors keep it; only how much they count differs)
        const rankingOf = (s: Scenario): Map<string, number> =>
          aggregator === 'plain'
            ? means(plainPool(digests[s], c.key))
            : new Map(Object.entries(priorsOf(s)).map(([arm, p]) => [arm, p.sumQ / p.n]));
        const reference = { priors: priorsOf('honest'), ranking: rankingOf('honest') };
        for (const s of SCENARIOS) {
          const raw = s === 'honest' ? reference.priors : priorsOf(s);
          const ranking = s === 'honest' ? reference.ranking : rankingOf(s);
          const tau = kendallTau(reference.ranking, ranking);
          for (const view of views) {
            const local = view === 'peer' ? node.learner?.evidence(c.key) : undefined;
            // as the optimizer counts peers' priors beside local outcomes (node/optimizer/network.ts)
            const counted = (p: Record<string, ArmPrior>) => {
              const out: Record<string, ArmPrior> = {};
              for (const a of c.arms) {
                const x = networkPrior(p[a.key], local?.get(a.key)?.n ?? 0, DEFAULT_NETWORK_PRIOR);
                if (x) out[a.key] = x;
              }
              return out;
            };
            const priors = counted(raw);
            const x = cell(s, aggregator, view);
            x.cases++;
            const top = topChoice(c.arms, local, priors);
            if (top === topChoice(c.arms, local, counted(reference.priors))) x.unchanged++;
            if (w.kinds.get(top) === 'bad') x.badTop++;
            // the challenger chooseArms would draw: Thompson sampling among the non-incumbent arms
            const rest = c.arms.filter((a) => a !== incumbent);
            for (let d = 0; d < DRAWS; d++) {
              const ranked = thompsonRank(
                rest.map((a) => ({
                  item: a,
                  posterior: posterior(local?.get(a.key), priors[a.key] ? [priors[a.key]] : []),
                })),
                random,
              );
              x.draws++;
              if (w.kinds.get(ranked[0].item.key) === 'bad') x.badDraws++;
            }
            if (Number.isFinite(tau)) {
              x.tauSum += tau;
              x.tauN++;
            }
          }
        }
      }
    }
  }

  const newcomers: NewcomerResult[] = [];
  for (const [local, node] of st.nodes) {
    if (node.role !== 'newcomer' || !node.markets) continue;
    const global = hosted[local].global;
    if (process.env.SIM_DUMP)
      await dumpNewcomer(process.env.SIM_DUMP, {
        seed: w.seed,
        node: global,
        horizon,
        project: node.project,
        digests: Object.fromEntries(SCENARIOS.map((s) => [s, filtered(node, s)])) as Record<
          Scenario,
          PeerDigest[]
        >,
      });
    for (const variant of NEWCOMER_VARIANTS) {
      // 'none:flat' is 'none' without the optimizer's structure prior (the ablation of structure.ts)
      const [aggregator, s] = variant.split(':') as [
        Exclude<Aggregator, 'plain'> | 'exact' | 'none',
        Scenario | 'flat' | undefined,
      ];
      const run = await runNewcomer(
        w,
        node.project,
        global,
        horizon,
        (c) => {
          if (aggregator === 'none' || !s || s === 'flat') return {};
          return (node.markets as Record<Scenario, Marketplace>)[s].priorsFor(
            c.key,
            c.arms,
            undefined,
            optionsOf(aggregator),
          );
        },
        2,
        s === 'flat' ? { structure: 0 } : {},
      );
      newcomers.push({
        node: global,
        variant,
        generations: run.delivered.length,
        until: generationsUntilWithin(run.delivered, run.best),
        first: firstWithin(run.delivered, run.best),
        ratio: run.delivered.reduce((a, d, i) => a + d / run.best[i], 0) / run.delivered.length,
        withinShare: run.delivered.filter((d, i) => within(d, run.best[i])).length / run.delivered.length,
        badRun: run.badRun,
        badDelivered: run.badDelivered,
      });
    }
  }
  return { cells: [...cells.values()], newcomers };
}

async function stop(): Promise<void> {
  await Promise.all(hosted.map((h) => h.net.stop().catch(() => undefined)));
}

const handlers: Record<string, (...args: never[]) => unknown> = {
  start,
  dial,
  mesh,
  setSeed,
  generate,
  publish,
  ingest,
  resetLag: () => lag.reset(),
  evaluate,
  count: () => current?.receipts.length ?? 0,
  receipts: () => current?.receipts ?? [],
  traffic: () => ({ ...traffic }),
  health: () => {
    const rejections: Record<string, number> = {};
    let gossipRepairs = 0;
    let dialFailures = 0;
    const connections: number[] = [];
    const meshes: number[] = [];
    const scores: number[] = [];
    for (const h of hosted) {
      for (const p of h.net.peers()) if (p.connected && p.score !== undefined) scores.push(p.score);
      const st = h.net.stats();
      for (const [k, v] of Object.entries(st.rejections)) rejections[k] = (rejections[k] ?? 0) + v;
      gossipRepairs += st.gossipRepairs;
      dialFailures += st.dialFailures;
      connections.push(st.connections);
      meshes.push(st.topics[DIGEST_TOPIC]?.mesh ?? 0);
    }
    const loopLagMs = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
    const minScore = scores.length ? Math.min(...scores) : 0;
    const graylisted = scores.filter((x) => x < -80).length;
    return {
      rejections,
      gossipRepairs,
      dialFailures,
      connections,
      meshes,
      loopLagMs: [loopLagMs],
      scores: {
        min: minScore,
        negative: scores.filter((x) => x < 0).length,
        graylisted,
        total: scores.length,
      },
    };
  },
  stop,
};

if (process.send) {
  await instrumentGossipsub();
  serve(handlers);
}
