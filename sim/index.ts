/**
 * `npm run sim`: real WeaverGen network nodes (100 by default) on 127.0.0.1, spread over a few
 * forked processes (sim/worker.ts), in simulated worlds drawn from seeds (sim/world.ts). Honest
 * projects learn and publish their statistics through the real anonymizer and gossip; sybils
 * publish lies the same way; every node feeds what it receives into real marketplaces. Reports:
 * 1. generations until a new node is within 5% of the best arm, with network priors and without;
 * 2. sybils at 20% and 40%: top choices unchanged, the bad pack chosen, Kendall tau, beside a plain mean;
 * 3. gossip cost per node and epoch, and propagation p50/p99.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { percentile, propagation, spread, topology } from '../bench/network.js';
import { seededRandom } from '../node/optimizer/random.js';
import { WorkerProcess } from './ipc.js';
import { mean, type Role, sybilShare } from './metrics.js';
import { printReport, type SimReport } from './report.js';
import type { NewcomerResult, RobustCell, SeedPlan, Traffic } from './worker.js';
import { describeWorld, drawSimWorld } from './world.js';

/** Seeds the simulation was developed and tuned on (4-9 since 945dc23); the report runs on others. */
export const DEVELOPMENT_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
export const REPORT_SEEDS = Array.from({ length: 30 }, (_, i) => 6001 + i);

export interface SimOptions {
  nodes: number;
  workers: number;
  seeds: number[];
  newcomers: number;
  /** honest nodes that keep marketplaces and are judged in metric 2 (evenly spaced) */
  judges: number;
  /** share of sybils among publishers in the strongest scenario (the weaker one is 20%) */
  epochs: number;
  generationsPerEpoch: number;
  /**
   * generations every honest project ran before the simulated epochs: the network's age (its
   * nodes' statistics are cumulative, so this is how much evidence sits behind each digest)
   */
  history: number;
  epochMs: number;
  horizon: number;
  /** stop starting seeds when the next would likely end past this (seconds since start) */
  budgetSeconds: number;
}

/** `1001-1003`, `1,2,3`, or a count `5` (the first report seeds). */
export function parseSeeds(text: string | undefined): number[] | undefined {
  if (!text?.trim()) return undefined;
  const t = text.trim();
  if (/^\d+$/.test(t) && Number(t) <= REPORT_SEEDS.length) return REPORT_SEEDS.slice(0, Number(t));
  const range = /^(\d+)-(\d+)$/.exec(t);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  return t.split(',').map((s) => Number(s.trim()));
}

export function optionsFromEnv(env = process.env): SimOptions {
  const num = (name: string, d: number) => (env[name] ? Number(env[name]) : d);
  return {
    nodes: num('SIM_NODES', 100),
    workers: num('SIM_WORKERS', 2),
    seeds: parseSeeds(env.SIM_SEEDS) ?? REPORT_SEEDS,
    newcomers: num('SIM_NEWCOMERS', 2),
    judges: num('SIM_JUDGES', 20),
    epochs: num('SIM_EPOCHS', 2),
    generationsPerEpoch: num('SIM_GENERATIONS', 45),
    history: num('SIM_HISTORY', 300),
    epochMs: num('SIM_EPOCH_MS', 40_000),
    horizon: num('SIM_HORIZON', 100),
    budgetSeconds: num('SIM_BUDGET_S', 540),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Roles by global index: new nodes evenly spaced (so each process hosts some), the rest shuffled per seed. */
export function rolesFor(
  nodes: number,
  newcomers: number,
  seed: number,
): { roles: Role[]; rank: number[]; s20: number; honest: number; sybils: number } {
  const publishers = nodes - newcomers;
  // all sybils are 40% of the publishers; the 20% scenario takes the first s20 of them
  const sybils = Math.round(0.4 * publishers);
  const honest = publishers - sybils;
  const s20 = Math.round((0.2 * honest) / 0.8);
  const roles: Role[] = new Array(nodes).fill('honest');
  const rank = new Array(nodes).fill(-1);
  const step = Math.max(1, Math.floor(nodes / Math.max(1, newcomers)));
  const taken = new Set<number>();
  for (let i = 0; i < newcomers; i++) taken.add(Math.min(nodes - 1, i * step + Math.floor(step / 2)));
  for (const i of taken) roles[i] = 'newcomer';
  const rest = [...Array(nodes).keys()].filter((i) => !taken.has(i));
  const r = seededRandom(seed * 131 + 7);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  rest.slice(0, sybils).forEach((i, k) => {
    roles[i] = 'sybil';
    rank[i] = k;
  });
  return { roles, rank, s20, honest, sybils };
}

export interface Health {
  rejections: Record<string, number>;
  gossipRepairs: number;
  dialFailures: number;
  connections: number[];
  meshes: number[];
  /** per process: event-loop delay percentiles (ms) since start */
  loopLagMs: { p50: number; p99: number; max: number }[];
  /** gossipsub scores of connected peers as each node sees them (graylisted: below -80) */
  scores: { min: number; negative: number; graylisted: number; total: number };
}

/** What the nodes' networks refused or ignored, repairs, dial failures, connections and mesh sizes, over all processes. */
async function health(workers: WorkerProcess[]): Promise<Health> {
  const out: Health = {
    rejections: {},
    gossipRepairs: 0,
    dialFailures: 0,
    connections: [],
    meshes: [],
    loopLagMs: [],
    scores: { min: 0, negative: 0, graylisted: 0, total: 0 },
  };
  for (const x of await Promise.all(workers.map((w) => w.call<Health>('health')))) {
    for (const [k, v] of Object.entries(x.rejections)) out.rejections[k] = (out.rejections[k] ?? 0) + v;
    out.gossipRepairs += x.gossipRepairs;
    out.dialFailures += x.dialFailures;
    out.connections.push(...x.connections);
    out.meshes.push(...x.meshes);
    out.loopLagMs.push(...x.loopLagMs);
    out.scores.min = Math.min(out.scores.min, x.scores.min);
    out.scores.negative += x.scores.negative;
    out.scores.graylisted += x.scores.graylisted;
    out.scores.total += x.scores.total;
  }
  return out;
}

/** `count` honest nodes, evenly spaced over the global indexes (so every process hosts some). */
export function judgesOf(roles: Role[], count: number): number[] {
  const honest = roles.flatMap((r, i) => (r === 'honest' ? [i] : []));
  if (count >= honest.length) return honest;
  return Array.from({ length: count }, (_, k) => honest[Math.floor((k * honest.length) / count)]);
}

export async function runSim(o: SimOptions): Promise<SimReport> {
  const t0 = performance.now();
  const script = fileURLToPath(new URL('./worker.js', import.meta.url));
  const counts = spread(o.nodes, o.workers);
  const workers = counts.map(
    () =>
      new WorkerProcess(
        fork(script, [], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          execArgv: [
            '--max-old-space-size=4096',
            ...(process.env.SIM_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SIM_PROF}`] : []),
          ],
        }),
      ),
  );
  const report: SimReport = {
    options: o,
    seedsRun: [],
    worlds: [],
    cells: [],
    newcomers: [],
    latencies: [],
    delivery: [],
    perNodeDelivery: [],
    traffic: {
      rpcs: 0,
      rpcBytes: 0,
      digestMessages: 0,
      digestBytes: 0,
      oversizedRpcs: 0,
      largestRpcBytes: 0,
    },
    trafficSeconds: 0,
    epochsRun: 0,
    published: 0,
    publishedBytes: 0,
    refused: {},
    health: {
      rejections: {},
      gossipRepairs: 0,
      dialFailures: 0,
      connections: [],
      meshes: [],
      loopLagMs: [],
      scores: { min: 0, negative: 0, graylisted: 0, total: 0 },
    },
    setupHealth: {
      rejections: {},
      gossipRepairs: 0,
      dialFailures: 0,
      connections: [],
      meshes: [],
      loopLagMs: [],
      scores: { min: 0, negative: 0, graylisted: 0, total: 0 },
    },
    setupSeconds: 0,
    totalSeconds: 0,
    roles: { honest: 0, sybils: 0, s20: 0, newcomers: o.newcomers },
  };
  try {
    await Promise.all(workers.map((w) => w.ready));
    const where: [number, number][] = counts.flatMap((c, w) =>
      Array.from({ length: c }, (_, i) => [w, i] as [number, number]),
    );
    let offset = 0;
    const started = [];
    for (let i = 0; i < workers.length; i++) {
      started.push(
        workers[i].call<{ addrs: string[]; peerIds: string[] }>('start', counts[i], offset, o.epochMs),
      );
      offset += counts[i];
    }
    const up = await Promise.all(started);
    const addrs = where.map(([w, i]) => up[w].addrs[i]);
    const peerIds = where.map(([w, i]) => up[w].peerIds[i]);
    const plans: [number, string][][] = workers.map(() => []);
    for (const [a, b] of topology(o.nodes, 2, seededRandom(42)))
      plans[where[a][0]].push([where[a][1], addrs[b]]);
    let pending = plans;
    for (let attempt = 0; attempt < 5 && pending.some((p) => p.length > 0); attempt++) {
      if (attempt > 0) await sleep(2000);
      pending = await Promise.all(workers.map((w, i) => w.call<[number, string][]>('dial', pending[i])));
    }
    const undialled = pending.reduce((a, p) => a + p.length, 0);
    if (undialled > 0) console.error(`sim: ${undialled} dials still failing after 5 attempts`);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const m = await Promise.all(workers.map((w) => w.call<{ min: number; subscribers: number }>('mesh')));
      if (m.every((x) => x.min >= 1 && x.subscribers >= 1)) break;
      if (Date.now() > deadline) {
        console.error(
          `sim: mesh not complete for ${o.nodes} nodes after 120 s (${JSON.stringify(m)}), going on`,
        );
        break;
      }
      await sleep(250);
    }
    await sleep(2000);
    report.setupSeconds = (performance.now() - t0) / 1000;
    report.setupHealth = await health(workers);
    await Promise.all(workers.map((w) => w.call('resetLag')));
    console.error(`sim: ${o.nodes} nodes up in ${report.setupSeconds.toFixed(1)} s`);

    let lastEpoch = Math.floor(Date.now() / o.epochMs);
    const seedTimes: number[] = [];
    for (const seed of o.seeds) {
      const elapsed = (performance.now() - t0) / 1000;
      const perSeed = seedTimes.length ? Math.max(...seedTimes) : 0;
      if (seedTimes.length > 0 && elapsed + perSeed > o.budgetSeconds) {
        console.error(`sim: time budget (${o.budgetSeconds} s) reached after ${seedTimes.length} seeds`);
        break;
      }
      const ts = performance.now();
      const roles = rolesFor(o.nodes, o.newcomers, seed);
      report.roles = { honest: roles.honest, sybils: roles.sybils, s20: roles.s20, newcomers: o.newcomers };
      const startEpoch = lastEpoch + 1;
      const plan: SeedPlan = {
        seed,
        startEpoch,
        nodes: peerIds.map((peerId, i) => ({ peerId, role: roles.roles[i], rank: roles.rank[i] })),
        s20: roles.s20,
        judges: judgesOf(roles.roles, o.judges),
        horizon: o.history + o.epochs * o.generationsPerEpoch,
      };
      await Promise.all(workers.map((w) => w.call('setSeed', plan)));
      report.worlds.push(describeWorld(await drawSimWorld(seed)));

      const before = await Promise.all(workers.map((w) => w.call<Traffic>('traffic')));
      const tTraffic = performance.now();
      const published = new Map<string, number>();
      for (let e = 0; e < o.epochs; e++) {
        const generations = o.generationsPerEpoch + (e === 0 ? o.history : 0);
        await Promise.all(workers.map((w) => w.call('generate', generations)));
        // publish in a fresh epoch (the anonymizer builds one digest per epoch): now, when this epoch
        // is one no digest was built in yet and the window fits in what is left of it; else at the next start
        const window = o.epochMs * 0.7;
        const current = Math.floor(Date.now() / o.epochMs);
        const fits = current > lastEpoch && (current + 1) * o.epochMs - Date.now() >= window + 1000;
        const epoch = fits ? current : Math.max(lastEpoch + 1, current + 1);
        await sleep(Math.max(0, epoch * o.epochMs - Date.now() + 5));
        lastEpoch = epoch;
        const round = await Promise.all(
          workers.map((w) =>
            w.call<{
              published: { key: string; t: number; bytes: number }[];
              refused: Record<string, number>;
            }>('publish', window),
          ),
        );
        for (const r of round) {
          for (const p of r.published) {
            published.set(p.key, p.t);
            report.publishedBytes += p.bytes;
          }
          for (const [k, v] of Object.entries(r.refused)) report.refused[k] = (report.refused[k] ?? 0) + v;
        }
        const latestEpoch = Math.max(lastEpoch, Math.floor(Date.now() / o.epochMs));
        lastEpoch = latestEpoch;
        // wait for every digest to reach every other node, or until nothing arrived for 3 s
        const expected = published.size * (o.nodes - 1);
        let got = 0;
        let progressAt = Date.now();
        while (Date.now() - progressAt < 3000) {
          const now = (await Promise.all(workers.map((w) => w.call<number>('count')))).reduce(
            (a, b) => a + b,
            0,
          );
          if (now >= expected) break;
          if (now > got) progressAt = Date.now();
          got = now;
          await sleep(200);
        }
        await Promise.all(workers.map((w) => w.call('ingest')));
        report.epochsRun++;
      }
      const after = await Promise.all(workers.map((w) => w.call<Traffic>('traffic')));
      report.trafficSeconds += (performance.now() - tTraffic) / 1000;
      for (const k of ['rpcs', 'rpcBytes', 'digestMessages', 'digestBytes', 'oversizedRpcs'] as const)
        report.traffic[k] += after.reduce((a, x, i) => a + x[k] - before[i][k], 0);
      report.traffic.largestRpcBytes = Math.max(
        report.traffic.largestRpcBytes,
        ...after.map((x) => x.largestRpcBytes),
      );
      report.published += published.size;
      const receipts = (
        await Promise.all(workers.map((w) => w.call<{ key: string; at: number; node: number }[]>('receipts')))
      ).flat();
      const prop = propagation(published, receipts, o.nodes);
      // how the misses spread: per receiving node, the share of the other nodes' digests it got
      const perNode = new Array(o.nodes).fill(0);
      for (const r of receipts) if (published.has(r.key)) perNode[r.node]++;
      const own = new Array(o.nodes).fill(0);
      const indexOf = new Map(peerIds.map((p, i) => [p, i]));
      for (const key of published.keys()) own[indexOf.get(key.split('|')[0]) ?? 0]++;
      report.perNodeDelivery.push(...perNode.map((x, i) => x / Math.max(1, published.size - own[i])));
      report.latencies.push(...prop.latencies);
      report.delivery.push(prop.delivery);

      const evaluated = await Promise.all(
        workers.map((w) =>
          w.call<{ cells: RobustCell[]; newcomers: NewcomerResult[] }>('evaluate', o.horizon),
        ),
      );
      for (const x of evaluated) {
        report.cells.push(...x.cells.map((c) => ({ ...c, seed })));
        report.newcomers.push(...x.newcomers.map((n) => ({ ...n, seed })));
      }
      report.seedsRun.push(seed);
      report.health = await health(workers);
      seedTimes.push((performance.now() - ts) / 1000);
      console.error(
        `sim: seed ${seed} done in ${seedTimes.at(-1)?.toFixed(1)} s (delivery ${prop.delivery.toFixed(3)}, ${published.size} digests)`,
      );
    }
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        if (w.child.exitCode !== null) return;
        const exited = new Promise((r) => w.child.once('exit', r));
        await Promise.race([w.call('stop').catch(() => undefined), sleep(15_000)]);
        await Promise.race([exited, sleep(3000)]);
        if (w.child.exitCode === null) w.child.kill('SIGKILL');
      }),
    );
  }
  report.totalSeconds = (performance.now() - t0) / 1000;
  return report;
}

export { mean, percentile, sybilShare };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = optionsFromEnv();
  console.log(`weavergen sim on node ${process.version}, ${new Date().toISOString()}`);
  const report = await runSim(options);
  printReport(report, DEVELOPMENT_SEEDS);
}
