import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import type { ArmStats } from '../../../node/learning/index.js';
import type { Network, WeaverLibp2p } from '../../../node/network/index.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { armOf, paramCombinations } from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { createStore } from '../../../node/storage/index.js';
import { createTenancy } from '../../../node/tenancy/index.js';
import { type ArmStatsLike, DIGEST_TOPIC } from '../../../protocols/index.js';
import { meshRaw, startRawNode, until } from './harness.js';

/**
 * The digests a node gossips are built only from the tenants that opted in to sharing: what a
 * stranger on the network receives (a bare libp2p node keeping every digest) never holds what a
 * tenant with share=false learned, until its admin turns sharing on (PATCH /v1/tenants/:id), and no
 * longer once it is turned off again. Where several tenants share, an entry leaves only when two of
 * them contributed (k over distinct projects): the default tenant and `open` (share=true) both
 * learned in typescript; the default tenant and `closed` (share=false) in go; `open` alone in python.
 */

const EPOCH_MS = 1000;
const CONTEXT = {
  typescript: 'typescript|builtin|s|e1t0d0m1',
  python: 'python|builtin|s|e1t0d0m1',
  go: 'go|builtin|s|e1t0d0m1',
} as const;
const arms: Record<keyof typeof CONTEXT, string> = { typescript: '', python: '', go: '' };

let home: string;
let node: WeaverNode;
let server: ApiServer;
let raw: WeaverLibp2p;
const received: { at: number; entries: ArmStatsLike[] }[] = [];

function stats(contextKey: string, key: string): ArmStats {
  const n = 60;
  return {
    contextKey,
    armKey: key,
    packId: key.split(':')[0],
    packName: 'x',
    params: {},
    paramsHash: key.split(':')[1],
    model: 'builtin',
    n,
    sumQ: 0.9 * n,
    sumQ2: 0.82 * n,
    successes: n - 5,
    compileFailures: 0,
    firstAt: Date.now() - 3_600_000,
    lastAt: Date.now() - 60_000,
    evidence: [],
  };
}

beforeAll(async () => {
  const packs = await builtinPacks();
  const armIn = (language: string) => {
    const pack = packs.find((p) => p.manifest.language === language && p.manifest.kind !== 'prompt')!;
    return armOf(pack, paramCombinations(pack)[0]).key;
  };
  arms.typescript = armIn('typescript');
  arms.python = armIn('python');
  arms.go = armIn('go');
  // a home whose tenants already learned (what their generations would have left), each in its sublevels
  home = await mkdtemp(join(tmpdir(), 'wg-tenant-share-'));
  const store = await createStore({ path: join(home, 'db') });
  const tenancy = await createTenancy({ store }, { home });
  await tenancy.create({ id: 'open', share: true });
  await tenancy.create({ id: 'closed', share: false });
  const seed = async (s: typeof store, which: keyof typeof CONTEXT) => {
    const row = stats(CONTEXT[which], arms[which]);
    await s.put('arms', `s!${row.contextKey}!${row.armKey}`, row);
  };
  await seed(store, 'typescript');
  await seed(store, 'go');
  await seed(store.within('open'), 'typescript');
  await seed(store.within('open'), 'python');
  await seed(store.within('closed'), 'go');
  await store.close();

  const config = await loadConfig(
    {
      home,
      api: { port: 0 },
      network: { share: 'all', epochMs: EPOCH_MS, k: 5, budget: 1_000_000 },
      generation: { predict: { enabled: false } },
    },
    {},
  );
  node = await createNode(config, { recover: true });
  server = await startApiServer(node, { port: 0 });
  raw = await startRawNode([]);
  raw.services.pubsub.addEventListener('message', (e) => {
    const m = e.detail as { topic: string; data: Uint8Array };
    if (m.topic !== DIGEST_TOPIC) return;
    const digest = JSON.parse(Buffer.from(m.data).toString('utf8')) as { entries: ArmStatsLike[] };
    received.push({ at: Date.now(), entries: digest.entries });
  });
  const target = { peerId: node.peers().peerId!, addresses: () => node.peers().addresses };
  await meshRaw(raw, target as unknown as Network);
}, 60_000);

afterAll(async () => {
  await raw?.stop();
  await server?.close();
  await node?.stop();
  await rm(home, { recursive: true, force: true });
});

const armsIn = (from: number) =>
  new Set(received.filter((d) => d.at >= from).flatMap((d) => d.entries.map((e) => e.armKey)));

const patch = async (share: boolean) => {
  const res = await fetch(`${server.url}/v1/tenants/closed`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ share }),
  });
  expect(res.status).toBe(200);
  expect((await res.json()).share).toBe(share);
};

describe("the node's digests hold only opted-in tenants' learning", () => {
  it("share=false: what it learned never counts; what two sharing tenants learned leaves, one tenant's alone does not", async () => {
    await until('three digests', () => received.length >= 3, 20_000);
    const seen = armsIn(0);
    expect(seen.has(arms.typescript)).toBe(true);
    // go: the default tenant and `closed`, which does not share, so one project: withheld
    expect(seen.has(arms.go)).toBe(false);
    // python: `open` alone
    expect(seen.has(arms.python)).toBe(false);
    for (const d of received) expect(d.entries.some((e) => e.contextKey.startsWith('go|'))).toBe(false);
  });

  it('after PATCH share=true what it learned counts in the next digests; after share=false no longer', async () => {
    await patch(true);
    const on = Date.now();
    await until('the go arm (now two sharing tenants) in a digest', () => armsIn(on).has(arms.go), 15_000);
    await patch(false);
    // a digest being made while the PATCH ran may still carry it: count from the one after
    const off = Date.now() + EPOCH_MS;
    await until(
      'two digests after sharing was turned off',
      () => received.filter((d) => d.at >= off).length >= 2,
      15_000,
    );
    expect(armsIn(off).has(arms.go)).toBe(false);
    expect(armsIn(off).has(arms.typescript)).toBe(true);
  });
});
