import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINI_REGISTRY as EXAMPLE } from '../helpers/registry.js';

/**
 * docker/three-nodes.sh: the compose setup as plain processes (no docker engine here). Three real
 * nodes on loopback form a network, and with the script's documented demo setting alone (its
 * defaults: a digest every 15 s, k 1, epsilon 100) what node1 learns from one generation is what
 * node2 knows of node1's pack within a minute.
 */
const SCRIPT = join(process.cwd(), 'docker', 'three-nodes.sh');
const base = 20_000 + Math.floor(Math.random() * 20_000);
const env = {
  ...process.env,
  WEAVERGEN_THREE_API_PORT: String(base),
  WEAVERGEN_THREE_P2P_PORT: String(base + 100),
};
let dir = '';

afterAll(() => {
  if (dir) spawnSync('bash', [SCRIPT, 'stop', '--dir', dir], { env, encoding: 'utf8' });
});

/** the built-in TypeScript pack, whose arms node1's generation runs */
const PACK = 'typescript-semconv';

interface Pattern {
  local?: { n: number };
  network?: { n: number; peers: number };
}

interface Peers {
  peerId: string;
  peers: { id: string; connected: boolean; digests: number }[];
}

const peersOf = async (port: number) =>
  (await (await fetch(`http://127.0.0.1:${port}/v1/peers`)).json()) as Peers;

async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('three nodes as plain processes', () => {
  it("start, connect, and node2 learns node1's arms within a minute, on the demo setting alone", async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-three-'));
    const started = spawnSync('bash', [SCRIPT, 'start', '--dir', dir, '--no-example'], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(started.status, started.stderr).toBe(0);
    expect(started.stdout).toContain('demo setting: WEAVERGEN_EPOCH_MS=15000 WEAVERGEN_K=1');
    const ports = [base, base + 1, base + 2];
    const ids = await Promise.all(ports.map((p) => until(async () => (await peersOf(p)).peerId, 30_000)));
    expect(new Set(ids).size).toBe(3);
    for (const p of ports)
      await until(
        async () => ((await peersOf(p)).peers.filter((x) => x.connected).length >= 2 ? true : undefined),
        30_000,
      );

    const token = async (n: number) => (await readFile(join(dir, `node${n}`, 'token'), 'utf8')).trim();
    const call = async (port: number, n: number, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${await token(n)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const pack = async (port: number, n: number) =>
      (await (await call(port, n, `/v1/patterns/${PACK}`)).json()) as Pattern;
    // node2 has measured nothing and heard nothing of the pack yet
    expect((await pack(base + 1, 2)).network).toBeUndefined();

    const t0 = Date.now();
    const res = await call(base, 1, '/v1/generate', { registry: EXAMPLE, languages: ['typescript'] });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await until(async () => {
      const g = (await (await call(base, 1, `/v1/generations/${id}`)).json()) as { status: string };
      return g.status === 'succeeded' ? true : undefined;
    }, 60_000);
    // node1 measured the built-in pack's arms; node2 holds node1's digest of them: the network
    // evidence of its pack view (GET /v1/patterns/:id, `pack show`), from node1
    expect((await pack(base, 1)).local?.n).toBeGreaterThan(0);
    const learned = await until(
      async () => {
        const p = await pack(base + 1, 2);
        return p.network && p.network.n > 0 ? p.network : undefined;
      },
      60_000 - (Date.now() - t0),
    );
    console.log(
      `[three-nodes] node2's view of ${PACK} ${Date.now() - t0} ms after node1's generation was submitted: ${JSON.stringify(learned)}`,
    );
    expect(learned.peers).toBeGreaterThanOrEqual(1);
    expect((await pack(base + 1, 2)).local).toBeUndefined();
    const fromNode1 = (await peersOf(base + 1)).peers.find((x) => x.id === ids[0]);
    expect(fromNode1?.digests).toBeGreaterThan(0);

    const stopped = spawnSync('bash', [SCRIPT, 'stop', '--dir', dir], { env, encoding: 'utf8' });
    expect(stopped.status).toBe(0);
    dir = '';
  });
});
