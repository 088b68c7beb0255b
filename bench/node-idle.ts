import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../cli/render/table.js';
import { packageRoot } from '../node/paths.js';

/**
 * The node as it sits beside a repository: `weavergen node start` (API, dashboard and the network
 * on, listening on loopback) until it prints its address, and its resident memory once idle, next to
 * a bare Node process measured in the same run, interleaved with it. Each run starts on a home made
 * for it (`--no-example`: the first-start example generation is a workload, not idling). Started
 * as the bin runs it and as `npm start` does (with a smaller young generation).
 * Goals (issue 16): ready <= 0.8 s, idle RSS <= 120 MB.
 */
export async function benchNodeIdle(runs: number): Promise<void> {
  const bin = join(packageRoot(), 'dist', 'cli', 'bin.js');
  const n = Math.max(3, runs);
  const bare: Sample[] = [];
  const plain: Sample[] = [];
  const npmStart: Sample[] = [];
  const start = ['node', 'start', '--no-example', '--api-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0'];
  for (let i = 0; i < n; i++) {
    bare.push(await sample(['-e', 'console.log("ready"); setInterval(() => {}, 1000)'], /ready/));
    for (const [into, flags] of [
      [plain, []],
      [npmStart, NPM_START_FLAGS],
    ] as const) {
      const home = await mkdtemp(join(tmpdir(), 'weavergen-bench-idle-'));
      try {
        into.push(await sample([...flags, bin, ...start], /API and dashboard/, { WEAVERGEN_HOME: home }));
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [
    row('bare node (baseline)', bare, bare, med),
    row('weavergen node start', plain, bare, med, { readyMs: 800, rssMb: 120 }),
    row(`npm start (node ${NPM_START_FLAGS.join(' ')})`, npmStart, bare, med, { readyMs: 800, rssMb: 120 }),
  ];
  console.log(
    `\n## node: ready and idle memory, median of ${n} interleaved runs (idle = ${IDLE_MS / 1000} s after ready)\n`,
  );
  console.log(
    table(['process', 'ready', 'vs bare', 'goal', 'idle RSS', 'vs bare', 'goal', 'children', 'result'], rows),
  );
}

const IDLE_MS = 5_000;
/** what package.json's start script (and the container's entrypoint) give node: a smaller young generation */
const NPM_START_FLAGS = ['--max-semi-space-size=4'];

interface Sample {
  readyMs: number;
  rssMb: number;
  children: number;
}

function row(
  name: string,
  xs: Sample[],
  base: Sample[],
  med: (xs: number[]) => number,
  goal?: { readyMs: number; rssMb: number },
): string[] {
  const ready = med(xs.map((s) => s.readyMs));
  const rss = med(xs.map((s) => s.rssMb));
  const met = goal ? ready <= goal.readyMs && rss <= goal.rssMb : undefined;
  return [
    name,
    `${ready.toFixed(0)} ms`,
    `${(ready / med(base.map((s) => s.readyMs))).toFixed(2)}x`,
    goal ? `<= ${goal.readyMs} ms` : '',
    `${rss.toFixed(0)} MB`,
    `${(rss / med(base.map((s) => s.rssMb))).toFixed(2)}x`,
    goal ? `<= ${goal.rssMb} MB` : '',
    String(med(xs.map((s) => s.children))),
    met === undefined ? '' : met ? 'met' : 'NOT met',
  ];
}

/** Spawns, waits for the ready line, idles, reads /proc for the RSS (its own and its children's count), stops it. */
async function sample(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout?.on('data', (d) => {
        out += d;
        if (ready.test(out)) resolve(performance.now() - started);
      });
      child.stderr?.on('data', (d) => {
        err += d;
      });
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-400)}`)));
    });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const rssMb = await rssOf(child.pid);
    const children = (await childrenOf(child.pid)).length;
    return { readyMs, rssMb, children };
  } finally {
    await stop(child);
  }
}

async function rssOf(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function childrenOf(pid: number | undefined): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}
