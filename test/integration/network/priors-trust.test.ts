import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketplace, type LocalArmStats, type PeerDigest } from '../../../marketplace/index.js';
import { loadConfig } from '../../../node/config.js';
import { type ArmStats, createLearning } from '../../../node/learning/index.js';
import { armOf, paramCombinations } from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { createPeering, type Peering } from '../../../node/peering.js';
import { createStore, type Store } from '../../../node/storage/index.js';
import { loadTrust, saveTrust } from '../../../node/trust-store.js';
import type { ArmStatsLike } from '../../../protocols/index.js';
import { publishNext, startNode, type TestNode, until } from './harness.js';

/**
 * Each peer's trust lives in the node's LevelDB: a restart neither makes a trusted peer a stranger
 * again nor lets a liar start over.
 */

const CTX = 'typescript|builtin|s|e1t0d0m1';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => undefined);
});
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'wg-trust-'));
  dirs.push(d);
  return d;
};

/** The fields of a peer the dashboard's peers table reads (ui/pages/network.js peerRow: `x.<field>`). */
async function peerTableReads(): Promise<string[]> {
  const page = await readFile(join(process.cwd(), 'ui', 'pages', 'network.js'), 'utf8');
  const body = /\nfunction peerRow\(x\) \{\n([\s\S]*?)\n\}\n/.exec(page)?.[1];
  if (!body) throw new Error('ui/pages/network.js has no peerRow(x)');
  return [...new Set([...body.matchAll(/\bx\.(\w+)/g)].map((m) => m[1]))];
}

let arms: string[];
beforeAll(async () => {
  const ts = (await builtinPacks()).find((p) => p.manifest.language === 'typescript')!;
  arms = paramCombinations(ts)
    .slice(0, 3)
    .map((p) => armOf(ts, p).key);
});
const TRUE_Q = [0.9, 0.7, 0.5];
/** this node's own measurements: 40 outcomes of each arm */
const mine = (): LocalArmStats[] =>
  arms.map((armKey, i) => ({
    contextKey: CTX,
    armKey,
    n: 40,
    sumQ: 40 * TRUE_Q[i],
    sumQ2: 40 * TRUE_Q[i] ** 2,
  }));

describe('trust persistence', () => {
  it('survives closing and reopening the store (the trust store alone)', async () => {
    const path = join(await tmp(), 'db');
    let store: Store = await createStore({ path });
    const m = createMarketplace({}, { reputationSnapshot: await loadTrust(store) });
    const digest = (peer: string, epoch: number, lie: boolean): PeerDigest => ({
      peer,
      epoch,
      entries: arms.map((armKey, i) => ({
        contextKey: CTX,
        armKey,
        n: 60,
        sumQ: 60 * (lie ? (TRUE_Q[i] > 0.6 ? 0.1 : 0.95) : TRUE_Q[i]),
      })),
    });
    for (let epoch = 1; epoch <= 4; epoch++) {
      m.receiveDigest(digest('honest', epoch, false), mine(), 'honest');
      m.receiveDigest(digest('liar', epoch, true), mine(), 'liar');
    }
    m.rejected('liar', 'bad-signature');
    expect(await saveTrust(store, m.reputation)).toBe(2);
    expect(await saveTrust(store, m.reputation)).toBe(0); // only what changed is written
    await store.close();

    store = await createStore({ path });
    const again = createMarketplace({}, { reputationSnapshot: await loadTrust(store) });
    await store.close();
    expect(again.reputation.all()).toEqual(m.reputation.all());
    expect(again.reputation.score('honest')).toBeGreaterThan(0.6);
    expect(again.reputation.weight('liar')).toBe(0);
    // and the same digests after the restart (a catch-up replays them) change nothing
    for (let epoch = 1; epoch <= 4; epoch++)
      again.receiveDigest(digest('honest', epoch, false), mine(), 'honest');
    expect(again.reputation.all()).toEqual(m.reputation.all());
  });

  it('a node that judged a peer by its digests still trusts it after a restart', async () => {
    const home = await tmp();
    const path = join(home, 'db');
    // this node's own measurements, as generations leave them in the store
    let store = await createStore({ path });
    for (const s of mine())
      await store.put('arms', `s!${s.contextKey}!${s.armKey}`, {
        ...s,
        packId: s.armKey.split(':')[0],
        packName: 'typescript-semconv',
        params: {},
        paramsHash: s.armKey.split(':')[1],
        model: 'builtin',
        successes: 0,
        compileFailures: 0,
        firstAt: 0,
        lastAt: 0,
        evidence: [],
      } satisfies ArmStats);
    const config = await loadConfig({ home, network: { share: 'receive-only', epochMs: 1000 } }, {});
    const open = async (s: Store): Promise<Peering> =>
      createPeering({ store: s, learning: createLearning({ store: s }), log: () => undefined }, config);

    const peer: TestNode = await startNode();
    try {
      let peering = await open(store);
      await peering.network!.dial(peer.net.addresses()[0]);
      await until('the peer connected', () =>
        peering.network!.peers().some((p) => p.id === peer.net.peerId && p.connected),
      );
      // the peer reports what this node measured, over a few epochs
      const honest: ArmStatsLike[] = arms.map((armKey, i) => ({
        contextKey: CTX,
        armKey,
        n: 300,
        sumQ: 300 * TRUE_Q[i],
        sumQ2: 300 * TRUE_Q[i] ** 2,
      }));
      // a digest published before the gossip mesh formed is lost: publish again (a new epoch)
      // until this node has judged three epochs
      const votes = () => peering.marketplace.reputation.get(peer.net.peerId).digestsCompared;
      for (let tries = 0; votes() < 3; tries++) {
        expect(tries).toBeLessThan(40);
        const judged = votes();
        await publishNext(peer, honest);
        await until('the digest judged', () => votes() > judged, 2000).catch(() => undefined);
      }
      const before = peering.marketplace.reputation.get(peer.net.peerId);
      expect(before.score).toBeGreaterThan(0.5);
      // GET /v1/peers (the node's peers() is peering.info(), sent as JSON) carries the peer's trust,
      // and every field the dashboard's peers table reads
      const { peers } = JSON.parse(JSON.stringify(peering.info())) as { peers: Record<string, unknown>[] };
      const answer = peers.find((p) => p.id === peer.net.peerId);
      expect(answer?.trust).toBe(before.weight);
      expect(answer?.digests).toBeGreaterThanOrEqual(1);
      const reads = await peerTableReads();
      expect(reads).toEqual(expect.arrayContaining(['id', 'trust', 'digests', 'lastDigestEpoch']));
      for (const key of reads) expect(answer?.[key], `the page reads ${key}`).toBeDefined();
      await peering.stop();
      await store.close();

      store = await createStore({ path });
      peering = await open(store);
      try {
        expect(peering.marketplace.reputation.get(peer.net.peerId)).toEqual(before);
      } finally {
        await peering.stop();
        await store.close();
      }
    } finally {
      await peer.close();
    }
  });
});
