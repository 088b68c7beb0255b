/**
 * Network benchmark: N WeaverGen nodes spread over a few OS processes (bench/network-worker.ts,
 * forked) on 127.0.0.1, connected as a ring plus random chords. Publishes real anonymized,
 * signed digests from random nodes and measures, next to the loopback RTT of the same run:
 * propagation time (publisher clock to receipt on every other node; one machine, one clock),
 * delivery rate, gossipsub duplicates per message, and gossipsub heartbeat timing.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { table } from '../cli/render/table.js';

export interface NetworkBenchOptions {
  sizes?: number[];
  processes?: number;
  messages?: number;
  /** gossipsub heartbeat interval (default 1000 ms, the network's default) */
  heartbeatMs?: number;
  /** pause between two publishes (default 200 ms; 50 ms saturates 2 cores at 32 nodes) */
  gapMs?: number;
}

/** The q-quantile (0..1) of samples by nearest rank; NaN when empty. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(q * s.length) - 1;
  return s[Math.min(s.length - 1, Math.max(0, rank))];
}

/** Splits n nodes over p processes as evenly as possible (the first ones get the remainder). */
export function spread(n: number, p: number): number[] {
  const procs = Math.max(1, Math.min(p, n));
  return Array.from({ length: procs }, (_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0));
}

/**
 * Who dials whom: a ring (i dials i+1) plus `chords` random other nodes per node, without self
 * loops or repeated pairs. `random` is injectable for tests.
 */
export function topology(n: number, chords = 2, random: () => number = Math.random): [number, number][] {
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  const add = (a: number, b: number) => {
    if (a === b) return false;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (seen.has(key)) return false;
    seen.add(key);
    edges.push([a, b]);
    return true;
  };
  for (let i = 0; i < n; i++) add(i, (i + 1) % n);
  for (let i = 0; i < n; i++) {
    let added = 0;
    for (let tries = 0; added < chords && tries < 10 * n; tries++) {
      if (add(i, Math.floor(random() * n))) added++;
    }
  }
  return edges;
}

/** Propagation figures from publish times and receipts (receipts of unknown keys are ignored). */
export function propagation(
  published: ReadonlyMap<string, number>,
  receipts: readonly { key: string; at: number }[],
  nodes: number,
): { latencies: number[]; delivery: number } {
  const latencies = receipts
    .filter((r) => published.has(r.key))
    .map((r) => r.at - (published.get(r.key) ?? 0));
  const expected = published.size * (nodes - 1);
  return { latencies, delivery: expected === 0 ? Number.NaN : latencies.length / expected };
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** A forked worker with request/response over IPC. */
class Worker {
  private next = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;
  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      child.on('message', (m: Reply) => {
        if (m.id === 0) return resolve();
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (m.ok) w.resolve(m.result);
        else w.reject(new Error(m.error));
      });
    });
    child.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('worker exited'));
      this.waiting.clear();
    });
  }
  call<T>(cmd: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, args });
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Counts {
  duplicate: number;
  valid: number;
  invalid: number;
  heartbeatMs: number[];
  heartbeatGapMs: number[];
}

export interface NetworkRow {
  nodes: number;
  processes: number;
  messages: number;
  setupMs: number;
  p50: number;
  p99: number;
  max: number;
  delivery: number;
  duplicatesPerMessage: number;
  heartbeatIntervalMs: number;
  heartbeatGapMs: number;
  heartbeatP50: number;
  heartbeatP99: number;
  tcpRttMs: number;
  pingRttMs: number;
  runMs: number;
}

async function runSize(
  n: number,
  procs: number,
  messages: number,
  heartbeatMs: number,
  gapMs: number,
): Promise<NetworkRow> {
  const t0 = performance.now();
  const script = fileURLToPath(new URL('./network-worker.js', import.meta.url));
  const counts = spread(n, procs);
  const workers = counts.map(
    () => new Worker(fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    // global node index -> (worker, local index)
    const where: [number, number][] = counts.flatMap((c, w) =>
      Array.from({ length: c }, (_, i) => [w, i] as [number, number]),
    );
    const started = await Promise.all(
      workers.map((w, i) => w.call<{ addrs: string[] }>('start', counts[i], heartbeatMs)),
    );
    const addrs = where.map(([w, i]) => started[w].addrs[i]);
    const plans: [number, string][][] = workers.map(() => []);
    for (const [a, b] of topology(n)) plans[where[a][0]].push([where[a][1], addrs[b]]);
    await Promise.all(workers.map((w, i) => w.call('dial', plans[i])));
    // wait until every node has a mesh peer on the digest topic, then two more heartbeats
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = await Promise.all(workers.map((w) => w.call<{ min: number; subscribers: number }>('mesh')));
      if (m.every((x) => x.min >= 1 && x.subscribers >= 2)) break;
      if (Date.now() > deadline) {
        console.warn(`network bench: mesh not complete for ${n} nodes after 20 s, publishing anyway`);
        break;
      }
      await sleep(100);
    }
    await sleep(2 * heartbeatMs);
    const setupMs = performance.now() - t0;

    // loopback RTT between the first two processes (or within one when there is only one)
    const server = workers[0];
    const client = workers[1] ?? workers[0];
    const { port, pingAddr } = await server.call<{ port: number; pingAddr: string }>('rttServe');
    const rtt = await client.call<{ tcp: number[]; ping: number[] }>('rttMeasure', port, pingAddr, 50);

    await Promise.all(workers.map((w) => w.call('resetCounts')));
    const published = new Map<string, number>();
    for (let m = 0; m < messages; m++) {
      const g = Math.floor(Math.random() * n);
      const [w, i] = where[g];
      const p = await workers[w].call<{ key: string; t: number }>('publish', i);
      published.set(p.key, p.t);
      await sleep(gapMs);
    }
    const expected = messages * (n - 1);
    const waitUntil = Date.now() + 10_000;
    while (Date.now() < waitUntil) {
      const got = (await Promise.all(workers.map((w) => w.call<number>('count')))).reduce((a, b) => a + b, 0);
      if (got >= expected) break;
      await sleep(100);
    }
    // let late duplicates (IHAVE/IWANT, slower mesh paths) arrive before counting them
    await sleep(Math.max(500, heartbeatMs));
    const reports = await Promise.all(
      workers.map((w) => w.call<{ receipts: { key: string; at: number }[]; counts: Counts }>('report')),
    );
    const { latencies, delivery } = propagation(
      published,
      reports.flatMap((r) => r.receipts),
      n,
    );
    const duplicates = reports.reduce((a, r) => a + r.counts.duplicate, 0);
    const hb = reports.flatMap((r) => r.counts.heartbeatMs);
    const gaps = reports.flatMap((r) => r.counts.heartbeatGapMs);
    return {
      nodes: n,
      processes: workers.length,
      messages,
      setupMs,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: percentile(latencies, 1),
      delivery,
      duplicatesPerMessage: duplicates / messages,
      heartbeatIntervalMs: heartbeatMs,
      heartbeatGapMs: percentile(gaps, 0.5),
      heartbeatP50: percentile(hb, 0.5),
      heartbeatP99: percentile(hb, 0.99),
      tcpRttMs: percentile(rtt.tcp, 0.5),
      pingRttMs: percentile(rtt.ping, 0.5),
      runMs: 0,
    };
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        if (w.child.exitCode !== null) return;
        const exited = new Promise((r) => w.child.once('exit', r));
        await Promise.race([w.call('stop').catch(() => undefined), sleep(10_000)]);
        await Promise.race([exited, sleep(3000)]);
        if (w.child.exitCode === null) w.child.kill('SIGKILL');
      }),
    );
  }
}

const f = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : 'n/a');

/** Runs the network benchmark for each size and prints the figures. */
export async function benchNetwork(options: NetworkBenchOptions = {}): Promise<NetworkRow[]> {
  const sizes = options.sizes ??
    process.env.WEAVERGEN_BENCH_NET_SIZES?.split(',').map((s) => Number(s.trim())) ?? [8, 16, 32];
  const processes = options.processes ?? Number(process.env.WEAVERGEN_BENCH_NET_PROCS ?? 2);
  const messages = options.messages ?? Number(process.env.WEAVERGEN_BENCH_NET_MESSAGES ?? 20);
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const gapMs = options.gapMs ?? Number(process.env.WEAVERGEN_BENCH_NET_GAP_MS ?? 200);
  const rows: NetworkRow[] = [];
  const tAll = performance.now();
  for (const n of sizes) {
    const t = performance.now();
    const row = await runSize(n, processes, messages, heartbeatMs, gapMs);
    row.runMs = performance.now() - t;
    rows.push(row);
  }
  console.log(
    `\nnetwork: ${messages} digests per size from random nodes ${gapMs} ms apart, ${processes} processes, ring + 2 random chords per node, 127.0.0.1`,
  );
  console.log(
    table(
      [
        'nodes',
        'prop p50 ms',
        'prop p99 ms',
        'max ms',
        'p50/rtt',
        'p99/rtt',
        'delivery',
        'dups/msg',
        'setup s',
        'run s',
      ],
      rows.map((r) => [
        r.nodes,
        f(r.p50, 2),
        f(r.p99, 2),
        f(r.max, 2),
        f(r.p50 / r.tcpRttMs, 1),
        f(r.p99 / r.tcpRttMs, 1),
        f(r.delivery, 3),
        f(r.duplicatesPerMessage, 1),
        f(r.setupMs / 1000, 1),
        f(r.runMs / 1000, 1),
      ]),
    ),
  );
  console.log(
    table(
      [
        'nodes',
        'tcp rtt ms',
        'libp2p ping ms',
        'heartbeat cfg ms',
        'heartbeat gap ms',
        'hb dur p50 ms',
        'hb dur p99 ms',
      ],
      rows.map((r) => [
        r.nodes,
        f(r.tcpRttMs, 3),
        f(r.pingRttMs, 3),
        r.heartbeatIntervalMs,
        f(r.heartbeatGapMs, 1),
        f(r.heartbeatP50, 3),
        f(r.heartbeatP99, 3),
      ]),
    ),
  );
  console.log(
    'rtt: median of 50 one-byte TCP echoes / libp2p pings between two processes; ratios are to the TCP rtt.\n' +
      'dups/msg: digest-topic copies gossipsub classed as duplicate (validateReceivedMessage), summed over nodes.\n' +
      `total ${f((performance.now() - tAll) / 1000, 1)} s`,
  );
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchNetwork();
}
