import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { startApiServer } from '../node/api/index.js';
import { loadConfig } from '../node/config.js';
import type { GenerationRequest } from '../node/jobs/index.js';
import { createNode } from '../node/node.js';
import { VERSION } from '../node/version.js';

/**
 * The node's HTTP API under load against a bare Hono app: both served by @hono/node-server in a
 * child process of their own (the same shape, so neither shares a core with the load generator
 * more than the other), autocannon in this process with 10 connections, the targets alternated in
 * `runs` rounds and the median round reported. The node is a real one (createNode on a temp home,
 * the API on 127.0.0.1 port 0 through startApiServer, as `weavergen node start` serves it, the
 * global telemetry SDK registered like there; the network off) whose store was seeded with real
 * generations of examples/shop first.
 */
const ROLE = process.env.WEAVERGEN_BENCH_API_ROLE;
const CONNECTIONS = 10;
const SECONDS = Number(process.env.WEAVERGEN_BENCH_API_SECONDS ?? 2.5);
const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'] as const;
/** real generations first (one per language, validated, 2 candidates), then repeats the cache answers */
const SEEDED = 60;

interface Target {
  name: string;
  server: 'bare' | 'node';
  path: string;
  goal?: { minRatio?: number; maxP99Ratio?: number };
}

const TARGETS: Target[] = [
  { name: 'bare Hono GET /v1/health (baseline)', server: 'bare', path: '/v1/health' },
  { name: 'GET /v1/health', server: 'node', path: '/v1/health', goal: { minRatio: 0.6, maxP99Ratio: 3 } },
  {
    name: 'GET /v1/generations',
    server: 'node',
    path: '/v1/generations',
    goal: { minRatio: 0.3, maxP99Ratio: 3 },
  },
  // what the transport alone allows for a body that size: the bare app answering the node's own
  // /v1/generations bytes, serialized once
  { name: 'bare Hono, the same /v1/generations body', server: 'bare', path: '/v1/generations' },
  { name: 'GET /v1/insights', server: 'node', path: '/v1/insights', goal: { minRatio: 0.3, maxP99Ratio: 3 } },
];

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  bytes: number;
}

export async function benchApi(runs: number): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'weavergen-bench-api-'));
  const children: ChildProcess[] = [];
  try {
    const t = performance.now();
    const seeded = await seed(home);
    const seedS = (performance.now() - t) / 1000;
    const node = await spawnServer('node', home);
    children.push(node.child);
    const bare = await spawnServer('bare');
    children.push(bare.child);
    const body = await (await fetch(`${node.url}/v1/generations`)).text();
    await new Promise<void>((resolve) => {
      bare.child.once('message', () => resolve());
      bare.child.send({ generations: body });
    });
    const url = (s: Target['server']) => (s === 'node' ? node.url : bare.url);
    // warm up both servers' JIT on every route (not measured)
    for (const target of TARGETS) await load(url(target.server) + target.path, 1);
    const samples = new Map<string, Sample[]>(TARGETS.map((x) => [x.name, []]));
    for (let round = 0; round < runs; round++) {
      // alternate the order, so drift on a busy machine (other builds) does not favour one side
      const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order)
        samples.get(target.name)?.push(await load(url(target.server) + target.path, SECONDS));
    }
    const med = (name: string, key: keyof Sample) => median((samples.get(name) ?? []).map((s) => s[key]));
    const base = TARGETS[0].name;
    const baseRps = med(base, 'rps');
    const baseP99 = med(base, 'p99');
    console.log(
      `\n## api: req/s and latency under load (${CONNECTIONS} connections, ${SECONDS} s a round, median of ${runs} alternated rounds)`,
    );
    console.log(
      `seeded: ${seeded.generations} generations of examples/shop (${seeded.real} real: one per language, validated, 2 candidates; the rest, and one by the serving node itself, repeats answered by the result cache) in ${seedS.toFixed(1)} s; /v1/generations returns the newest 50 (${kb(Buffer.byteLength(body))} a response), /v1/insights ${kb(med('GET /v1/insights', 'bytes'))}`,
    );
    const rows = TARGETS.map((x) => {
      const rps = med(x.name, 'rps');
      const p99 = med(x.name, 'p99');
      const errors = (samples.get(x.name) ?? []).reduce((a, s) => a + s.errors, 0);
      const rpsRatio = rps / baseRps;
      const p99Ratio = p99 / baseP99;
      const met =
        !x.goal ||
        ((x.goal.minRatio === undefined || rpsRatio >= x.goal.minRatio) &&
          (x.goal.maxP99Ratio === undefined || p99Ratio <= x.goal.maxP99Ratio) &&
          errors === 0);
      return [
        x.name,
        rps.toFixed(0),
        `${med(x.name, 'p50').toFixed(2)} ms`,
        `${p99.toFixed(2)} ms`,
        `${rpsRatio.toFixed(2)}x`,
        `${p99Ratio.toFixed(2)}x`,
        x.goal ? `>= ${x.goal.minRatio}x, p99 <= ${x.goal.maxP99Ratio}x` : '',
        x.goal ? (met ? 'met' : `NOT met${errors ? ` (${errors} non-2xx)` : ''}`) : '',
      ];
    });
    table(['route', 'req/s', 'p50', 'p99', 'req/s vs bare', 'p99 vs bare', 'goal', 'result'], rows);
  } finally {
    await Promise.all(children.map(stopChild));
    await rm(home, { recursive: true, force: true });
  }
}

/** The store of a real node, filled through node.generate like the API's POST /v1/generate does. */
async function seed(home: string): Promise<{ generations: number; real: number }> {
  const node = await createNode(
    await loadConfig({ home, api: { enabled: false }, network: { enabled: false } }, {}),
  );
  try {
    const requests = seedRequests();
    let n = 0;
    for (const request of requests) {
      await (await node.generate(request)).done;
      n++;
    }
    for (; n < SEEDED; n++) await (await node.generate(requests[n % requests.length])).done;
    return { generations: n, real: requests.length };
  } finally {
    await node.stop();
  }
}

const seedRequests = (): GenerationRequest[] =>
  LANGUAGES.map((language) => ({
    registry: join(process.cwd(), 'examples', 'shop'),
    languages: [language],
    candidates: 2,
  }));

async function spawnServer(role: 'node' | 'bare', home = ''): Promise<{ child: ChildProcess; url: string }> {
  // WEAVERGEN_BENCH_API_PROF=<dir>: the node's process writes a CPU profile there (node --cpu-prof)
  const prof = role === 'node' ? process.env.WEAVERGEN_BENCH_API_PROF : undefined;
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
    env: { ...process.env, WEAVERGEN_BENCH_API_ROLE: role, WEAVERGEN_BENCH_API_HOME: home },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the ${role} server exited (${code}) before listening`)));
  });
  return { child, url };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send('stop');
  });
}

/** autocannon on one URL; latencies kept exactly (autocannon's own histogram rounds to whole ms). */
async function load(url: string, seconds: number): Promise<Sample> {
  const times: number[] = [];
  let errors = 0;
  let bytes = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
    instance.on('response', (_client, status, resBytes, responseTime) => {
      if (status >= 200 && status < 300) times.push(responseTime);
      else errors++;
      bytes = resBytes;
    });
  });
  errors += result.errors + result.timeouts;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
  return { rps: times.length / (result.duration || seconds), p50: at(0.5), p99: at(0.99), errors, bytes };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

/** A child process: the node as `weavergen node start` serves it, or the bare app beside it. */
async function serveChild(role: string): Promise<void> {
  let close: () => Promise<void>;
  if (role === 'node') {
    const home = process.env.WEAVERGEN_BENCH_API_HOME ?? '';
    const config = await loadConfig(
      { home, api: { host: '127.0.0.1', port: 0 }, network: { enabled: false } },
      {},
    );
    const node = await createNode(config, { globalTelemetry: true, command: 'bench api' });
    // one generation of its own (the result cache answers it), as a node that has served one: its
    // spans turn on the telemetry's async context tracking, which every later request pays for
    await (await node.generate(seedRequests()[0])).done;
    const server = await startApiServer(node, { host: '127.0.0.1', port: 0 });
    process.send?.({ url: server.url });
    close = async () => {
      await server.close();
      await node.stop();
    };
  } else {
    // the same route shape: a small JSON object, like the node's health without its counters
    const started = Date.now();
    const app = new Hono();
    app.get('/v1/health', (c) => c.json({ status: 'ok', version: VERSION, uptimeMs: Date.now() - started }));
    // the node's body as bytes, encoded once: the least any server must do to send it
    let generations = new Uint8Array();
    process.on('message', (m) => {
      if (typeof m === 'object' && m && 'generations' in m) {
        generations = new TextEncoder().encode(String(m.generations));
        process.send?.('ok');
      }
    });
    app.get('/v1/generations', (c) => c.body(generations, 200, { 'content-type': 'application/json' }));
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      process.send?.({ url: `http://127.0.0.1:${info.port}` }),
    );
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await close();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

if (ROLE) await serveChild(ROLE);
