import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { MINI_REGISTRY as EXAMPLE } from '../helpers/registry.js';

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** `weavergen node start` as a user runs it; resolves once it prints its API URL. */
async function startNode(home: string, extra: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'node', 'start', '--home', home, '--api-port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /API and dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`node exited: ${out}`));
      }
    }, 50);
  });
  return { child, url, output: () => out, exited };
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out');
}

describe('weavergen node start', () => {
  it('runs a node on a fresh home: token 0600, example generation, API on loopback, clean SIGTERM exit', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-node-e2e-'));
    const node = await startNode(home);
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const mode = (await stat(join(home, 'token'))).mode & 0o777;
    expect(mode).toBe(0o600);
    // the first screen: the example generation finishes and is listed
    await until(async () => (/example generation \S+: succeeded/.test(node.output()) ? true : undefined));
    // the link it prints opens the generation's dashboard page (the page, not raw JSON)
    const see = /see (http:\/\/127\.0\.0\.1:\d+\/)#\/generations\/(\S+)/.exec(node.output());
    expect(see).not.toBeNull();
    const page = await fetch(see![1]);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<script type="module" src="\/ui\/app\.js">/);
    expect(node.output()).toMatch(/pages: http\S+\/#\/ generations · http\S+\/#\/learning/);
    const list = (await (await fetch(`${node.url}/v1/generations`)).json()) as {
      generations: { status: string; languages: { winner?: { q: number } }[] }[];
    };
    expect(list.generations[0].status).toBe('succeeded');
    expect(list.generations[0].languages).toHaveLength(5);
    expect(existsSync(join(home, 'out', 'typescript', 'index.ts'))).toBe(true);
    // the CLI finds the running node and prints what it learned, from the API
    const ins = await cli(['insights', '--home', home, '--json']);
    expect(ins.code).toBe(0);
    expect(JSON.parse(ins.stdout).outcomes).toBeGreaterThanOrEqual(5);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    expect(node.output()).toMatch(/stopped\./);
    expect(existsSync(join(home, 'node.json'))).toBe(false);
  });

  it('sends `weavergen generate` to the running node and prints the same table', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-node-e2e-'));
    const node = await startNode(home, ['--no-example']);
    const local = await cli(['generate', EXAMPLE, '--lang', 'ts', '--home', join(home, 'none')]);
    const remote = await cli(['generate', EXAMPLE, '--lang', 'ts', '--home', home]);
    expect(remote.code).toBe(0);
    // the node's own spans hold it: the generation ran there, not in the CLI's process
    const id = /generation (\S+) succeeded/.exec(remote.stdout)?.[1];
    const listed = await fetch(`${node.url}/v1/generations/${id}`);
    expect(listed.status).toBe(200);
    const table = (s: string) => s.split('\n').filter((l) => /^(language|typescript)\s/.test(l));
    expect(table(remote.stdout)).toEqual(table(local.stdout));
    const spans = await cli(['spans', '--home', home, '--name', 'weavergen.candidate', '--json']);
    expect(JSON.parse(spans.stdout).length).toBeGreaterThanOrEqual(1);
    node.child.kill('SIGINT');
    expect(await node.exited).toBe(0);
  });

  it('finishes a generation acknowledged before a kill -9, after restart', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-node-e2e-'));
    const first = await startNode(home, ['--no-example']);
    const token = (await readFile(join(home, 'token'), 'utf8')).trim();
    const res = await fetch(`${first.url}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ registry: EXAMPLE, languages: ['java', 'rust', 'go', 'python', 'typescript'] }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    first.child.kill('SIGKILL'); // acknowledged, certainly not finished
    await first.exited;
    const second = await startNode(home, ['--no-example']);
    const record = await until(async () => {
      const r = (await (await fetch(`${second.url}/v1/generations/${id}`)).json()) as { status: string };
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    });
    expect(record.status).toBe('succeeded');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
