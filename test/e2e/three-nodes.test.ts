import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINI_REGISTRY as EXAMPLE } from '../helpers/registry.js';

/**
 * docker/three-nodes.sh: the compose setup as plain processes (no docker engine here). Three real
 * nodes on loopback form a network and node1's anonymized digest reaches the other two.
 */
const SCRIPT = join(process.cwd(), 'docker', 'three-nodes.sh');
const base = 20_000 + Math.floor(Math.random() * 20_000);
const env = {
  ...process.env,
  WEAVERGEN_THREE_API_PORT: String(base),
  WEAVERGEN_THREE_P2P_PORT: String(base + 100),
  // explicit: nodes share nothing by default and publish once a day
  WEAVERGEN_THREE_SHARE: 'all',
  WEAVERGEN_THREE_EPOCH_MS: '1500',
};
let dir = '';

afterAll(() => {
  if (dir) spawnSync('bash', [SCRIPT, 'stop', '--dir', dir], { env, encoding: 'utf8' });
});

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
  it('start, connect, and share node1 learning digest with node2 and node3', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-three-'));
    // sharing on, short epochs (also WEAVERGEN_THREE_EPOCH_MS above, which the script passes as the
    // environment that outranks this file), k=1 and little noise so a single generation is worth a
    // digest within the test
    for (const n of [1, 2, 3]) {
      await mkdir(join(dir, `node${n}`), { recursive: true });
      await writeFile(
        join(dir, `node${n}`, 'weavergen.config.json'),
        JSON.stringify({ network: { share: 'all', epochMs: 1500, k: 1, epsilon: 100, budget: 1_000_000 } }),
      );
    }
    const started = spawnSync('bash', [SCRIPT, 'start', '--dir', dir, '--no-example'], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(started.status, started.stderr).toBe(0);
    const ports = [base, base + 1, base + 2];
    const ids = await Promise.all(ports.map((p) => until(async () => (await peersOf(p)).peerId, 30_000)));
    expect(new Set(ids).size).toBe(3);
    for (const p of ports)
      await until(
        async () => ((await peersOf(p)).peers.filter((x) => x.connected).length >= 2 ? true : undefined),
        30_000,
      );

    const token = (await readFile(join(dir, 'node1', 'token'), 'utf8')).trim();
    const res = await fetch(`http://127.0.0.1:${base}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ registry: EXAMPLE, languages: ['typescript'] }),
    });
    expect(res.status).toBe(202);
    for (const p of [base + 1, base + 2]) {
      const fromNode1 = await until(async () => {
        const peer = (await peersOf(p)).peers.find((x) => x.id === ids[0]);
        return peer && peer.digests > 0 ? peer : undefined;
      }, 45_000);
      expect(fromNode1.digests).toBeGreaterThan(0);
    }
    const stopped = spawnSync('bash', [SCRIPT, 'stop', '--dir', dir], { env, encoding: 'utf8' });
    expect(stopped.status).toBe(0);
    dir = '';
  });
});
