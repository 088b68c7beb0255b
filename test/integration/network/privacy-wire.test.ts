import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signPack } from '../../../marketplace/index.js';
import { loadConfig } from '../../../node/config.js';
import { parseContextKey } from '../../../node/learning/context.js';
import { armKey } from '../../../node/learning/features.js';
import { type ArmStats, createLearning } from '../../../node/learning/index.js';
import { frameReader, streamBytes, writeFrame } from '../../../node/network/frames.js';
import { createPeerKey, type Network, type WeaverLibp2p } from '../../../node/network/index.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { armOf, chooseArms, createOptimizer, paramCombinations } from '../../../node/optimizer/index.js';
import { builtinPacks, createPack, loadPackDir, type Pack } from '../../../node/packs/index.js';
import { createPeering, type Peering } from '../../../node/peering.js';
import { createStore, type Store } from '../../../node/storage/index.js';
import {
  type ArmStatsLike,
  DIGEST_SYNC_PROTOCOL,
  DIGEST_TOPIC,
  encodeCanonical,
  PACK_PROTOCOL,
  PATTERN_TOPIC,
} from '../../../protocols/index.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';
import { meshRaw, publishNext, sleep, startNode, startRawNode, type TestNode, until } from './harness.js';

/**
 * What leaves a node, as a stranger on the network sees it: a bare libp2p node that subscribes to
 * both topics and asks the node for its digests on the catch-up protocol, keeping every byte. The
 * node has learned about a pack used from a local folder (private: nobody can fetch it) and about a
 * model whose name says whose it is; neither may appear in any byte, whatever the share mode.
 */

const TEAM_MODEL = 'ollama:acme-billing-ft:v2';
const PUBLIC_MODEL = 'ollama:llama3.1:8b';
const TS = 'typescript|builtin|s|e1t0d0m1';
const TS_OLLAMA = 'typescript|ollama|s|e1t0d0m1';
const GO = 'go|builtin|s|e1t0d0m1';
const EPOCH_MS = 1000;

let tsPack: Pack;
let goPack: Pack;
let privatePack: Pack;
/** the private pack's folder, kept for generations that use it (`pack: privateDir`) */
let privateDir: string;
/** a pack nobody here used from a folder: public once announced */
let networkPack: Pack;
let arms: { builtin: string; go: string; private: string; team: string; public: string; network: string };
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

const tmp = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

beforeAll(async () => {
  const packs = await builtinPacks();
  tsPack = packs.find((p) => p.manifest.language === 'typescript')!;
  goPack = packs.find((p) => p.manifest.language === 'go')!;
  // a pack used from a local folder, as `--pack ./our-pack` would
  const dir = await mkdtemp(join(tmpdir(), 'wg-private-pack-'));
  privateDir = dir;
  await mkdir(join(dir, 'templates'));
  await writeFile(
    join(dir, 'pack.yaml'),
    [
      'name: acme-billing-ts',
      'version: 1.0.0',
      'language: typescript',
      'description: our own templates',
      'license: Proprietary',
      'files:',
      '  - template: main.ts.liquid',
      '    output: main.ts',
    ].join('\n'),
  );
  await writeFile(join(dir, 'templates', 'main.ts.liquid'), 'export const billing = 1;\n');
  privatePack = await loadPackDir(dir);
  networkPack = createPack(
    [
      'name: shared-ts',
      'version: 1.0.0',
      'language: typescript',
      'description: a pack published on the network',
      'license: Apache-2.0',
      'files:',
      '  - template: main.ts.liquid',
      '    output: main.ts',
    ].join('\n'),
    { 'main.ts.liquid': 'export const shared = 1;\n' },
    'network',
  );
  const tsDefault = armOf(tsPack, paramCombinations(tsPack)[0]);
  arms = {
    builtin: tsDefault.key,
    go: armOf(goPack, paramCombinations(goPack)[0]).key,
    private: armOf(privatePack, {}).key,
    team: armKey({ packId: tsDefault.packId, paramsHash: tsDefault.paramsHash, model: TEAM_MODEL }),
    public: armKey({ packId: tsDefault.packId, paramsHash: tsDefault.paramsHash, model: PUBLIC_MODEL }),
    network: armOf(networkPack, {}).key,
  };
});

afterAll(async () => {
  if (privateDir) await rm(privateDir, { recursive: true, force: true });
});

/** Arm statistics as learning keeps them, well above k, for the six arms. */
function learned(): ArmStats[] {
  const n = 60;
  const row = (contextKey: string, key: string, model: string): ArmStats => ({
    contextKey,
    armKey: key,
    packId: key.split(':')[0],
    packName: 'x',
    params: {},
    paramsHash: key.split(':')[1],
    model,
    n,
    sumQ: 0.9 * n,
    sumQ2: 0.82 * n,
    successes: n - 5,
    compileFailures: 0,
    firstAt: Date.now() - 3_600_000,
    lastAt: Date.now() - 60_000,
    evidence: [],
  });
  return [
    row(TS, arms.builtin, 'builtin'),
    row(GO, arms.go, 'builtin'),
    row(TS, arms.private, 'builtin'),
    row(TS_OLLAMA, arms.team, TEAM_MODEL),
    row(TS_OLLAMA, arms.public, PUBLIC_MODEL),
    row(TS, arms.network, 'builtin'),
  ];
}

/** A home whose learning store already holds those statistics (what generations would have left). */
async function seededHome(): Promise<string> {
  const home = await tmp('wg-privacy-');
  const store = await createStore({ path: join(home, 'db') });
  for (const s of learned()) await store.put('arms', `s!${s.contextKey}!${s.armKey}`, s);
  await store.close();
  return home;
}

async function startWeaverNode(share: string, on?: string): Promise<WeaverNode> {
  const home = on ?? (await seededHome());
  const config = await loadConfig(
    { home, api: { enabled: false }, network: { share, epochMs: EPOCH_MS, k: 5, budget: 1_000_000 } },
    {},
  );
  const node = await createNode(config, { recover: false });
  cleanup.push(() => node.stop());
  return node;
}

/** What a stranger holds: every gossip message's bytes by topic, and what catching up returned. */
interface Stranger {
  raw: WeaverLibp2p;
  /** its own peer key: it signs what it announces */
  key: PrivateKey;
  gossip: { topic: string; data: Uint8Array; type: string; from?: unknown; seqno?: unknown }[];
  catchUp(): Promise<Uint8Array>;
  /** the announcement the node sends with a pack it serves */
  announcementOf(cid: string): Promise<{ timestamp: number }>;
  /** everything received, as text */
  text(): string;
}

async function stranger(target: { peerId: string; addresses: () => string[] }): Promise<Stranger> {
  const key = await createPeerKey();
  const raw = await startRawNode([], key);
  cleanup.push(() => raw.stop());
  const gossip: Stranger['gossip'] = [];
  const synced: Uint8Array[] = [];
  raw.services.pubsub.addEventListener('message', (e) => {
    const m = e.detail as {
      topic: string;
      data: Uint8Array;
      type: string;
      from?: unknown;
      sequenceNumber?: unknown;
    };
    gossip.push({ topic: m.topic, data: m.data, type: m.type, from: m.from, seqno: m.sequenceNumber });
  });
  await meshRaw(raw, target as unknown as Network);
  return {
    raw,
    key,
    gossip,
    async catchUp() {
      const stream = await raw.dialProtocol(peerIdFromString(target.peerId), DIGEST_SYNC_PROTOCOL, {
        signal: AbortSignal.timeout(5000),
      });
      await stream.close();
      const parts: Uint8Array[] = [];
      for await (const chunk of streamBytes(stream)) parts.push(chunk.subarray());
      const bytes = Buffer.concat(parts);
      synced.push(bytes);
      return bytes;
    },
    async announcementOf(cid) {
      const stream = await raw.dialProtocol(peerIdFromString(target.peerId), PACK_PROTOCOL, {
        signal: AbortSignal.timeout(5000),
      });
      const signal = AbortSignal.timeout(5000);
      await writeFrame(stream, encodeCanonical({ v: 1, type: 'pack-request', cid }), signal);
      const head = await frameReader(stream, 65_536).next(65_536, signal);
      stream.abort(new Error('done'));
      return JSON.parse(Buffer.from(head!).toString('utf8')).announcement;
    },
    text: () =>
      Buffer.concat([...gossip.map((g) => g.data), ...synced].map((b) => Buffer.from(b))).toString('latin1'),
  };
}

const digestsOf = (s: Stranger) =>
  s.gossip
    .filter((g) => g.topic === DIGEST_TOPIC)
    .map((g) => JSON.parse(Buffer.from(g.data).toString('utf8')) as { entries: ArmStatsLike[] });

const of = (node: WeaverNode) => ({
  peerId: node.peers().peerId!,
  addresses: () => node.peers().addresses,
});

/** Neither the private pack's content id nor the team's model name, in any form. */
function expectNothingPrivate(text: string) {
  const cid = privatePack && arms.private.split(':')[0];
  expect(text).not.toContain(cid);
  expect(text).not.toContain(TEAM_MODEL);
  expect(text).not.toContain('acme-billing');
}

describe('what a node shares, as a stranger receives it', () => {
  it('share=all: the built-in and public-model arms arrive by gossip and catch-up; the private pack id and the team model never do', async () => {
    const node = await startWeaverNode('all');
    const s = await stranger(of(node));
    await until('a digest from the node on gossip', () => digestsOf(s).length >= 1, 15_000);
    const entries = digestsOf(s).flatMap((d) => d.entries);
    expect(entries.map((e) => e.armKey)).toContain(arms.builtin);
    expect(entries.map((e) => e.armKey)).toContain(arms.go);
    expect(entries.map((e) => e.armKey)).toContain(arms.public);
    const caught = await s.catchUp();
    expect(Buffer.from(caught).toString('latin1')).toContain(arms.builtin);
    expectNothingPrivate(s.text());
    // gossip names no author and carries no sequence number (it seeded from the process start)
    for (const g of s.gossip)
      expect(g).toMatchObject({ type: 'unsigned', from: undefined, seqno: undefined });
    // a built-in pack's announcement, as the node serves it, is dated to the hour
    const announcement = await s.announcementOf(arms.builtin.split(':')[0]);
    expect(announcement.timestamp % 3_600_000).toBeLessThan(10);
    expect(announcement.timestamp).toBeLessThanOrEqual(Date.now());
    expect(node.peers().share).toMatchObject({ mode: 'all', publishes: true, receives: true });
  });

  it('share=contexts:go publishes only go contexts', async () => {
    const node = await startWeaverNode('contexts:go');
    const s = await stranger(of(node));
    await until('a digest from the node on gossip', () => digestsOf(s).length >= 1, 15_000);
    const entries = digestsOf(s).flatMap((d) => d.entries);
    expect(entries.map((e) => e.armKey)).toEqual([arms.go]);
    expect(entries.every((e) => e.contextKey.startsWith('go|'))).toBe(true);
    expectNothingPrivate(s.text());
  });

  for (const share of ['receive-only', 'off'])
    it(`share=${share} publishes nothing: no digest on gossip or catch-up over several epochs`, async () => {
      const node = await startWeaverNode(share);
      const s = await stranger(of(node));
      await sleep(4 * EPOCH_MS);
      expect(digestsOf(s)).toEqual([]);
      expect((await s.catchUp()).byteLength).toBe(0);
      expect(s.gossip.filter((g) => g.topic === PATTERN_TOPIC)).toEqual([]);
      expect(node.peers().stats?.published.digests).toBe(0);
      expect(node.peers().share).toMatchObject({ mode: share, publishes: false, receives: share !== 'off' });
    });
});

/** The stranger signs an announcement of `pack` with its own key and gossips it until the node indexed it. */
async function announceAsStranger(node: WeaverNode, s: Stranger, pack: Pack): Promise<void> {
  const { announcement } = await signPack(pack, s.key, Date.now() - (Date.now() % 3_600_000));
  const bytes = encodeCanonical(announcement);
  const known = async () =>
    (await node.patterns.search({ text: pack.manifest.name })).some((p) => p.name === pack.manifest.name);
  for (let i = 0; i < 60 && !(await known()); i++) {
    if (i % 5 === 0) await s.raw.services.pubsub.publish(PATTERN_TOPIC, bytes).catch(() => undefined);
    await sleep(100);
  }
  expect(await known()).toBe(true);
}

/** The arm keys of the digests the stranger receives from now on, once `count` of them arrived. */
async function nextDigestArms(s: Stranger, count = 2): Promise<string[]> {
  const from = digestsOf(s).length;
  await until(`${count} more digests from the node`, () => digestsOf(s).length >= from + count, 20_000);
  return digestsOf(s)
    .slice(from)
    .flatMap((d) => d.entries.map((e) => e.armKey));
}

describe('which packs are public: announced ones, not the ones used here from a folder', () => {
  it('a stranger announcing the private pack (a copy, signed by itself) does not make it public: the next digests still leave it out', async () => {
    const node = await startWeaverNode('all');
    // the team generates with its own pack folder, as `weavergen generate --pack ./our-pack` does
    const registry = await tmp('wg-privacy-reg-');
    await cp(MINI_REGISTRY, registry, { recursive: true });
    await (await node.generate({ registry, languages: ['typescript'], pack: privateDir, validate: false }))
      .done;
    const s = await stranger(of(node));
    await announceAsStranger(node, s, privatePack);
    const released = await nextDigestArms(s);
    // the node does publish (the built-in arm), just not the private pack's
    expect(released).toContain(arms.builtin);
    expect(released).not.toContain(arms.private);
    const cid = arms.private.split(':')[0];
    expect(released.some((k) => k.startsWith(cid))).toBe(false);
    expect(Buffer.from(await s.catchUp()).toString('latin1')).not.toContain(cid);
    expect(node.peers().share.publicPacks).toBe((await builtinPacks()).length);
  });

  it('a pack announced on the network becomes public, and stays public after a restart on the same home', async () => {
    const home = await seededHome();
    const first = await startWeaverNode('all', home);
    const s = await stranger(of(first));
    expect(await nextDigestArms(s, 1)).not.toContain(arms.network);
    await announceAsStranger(first, s, networkPack);
    expect(await nextDigestArms(s)).toContain(arms.network);
    const publicPacks = first.peers().share.publicPacks;
    expect(publicPacks).toBe((await builtinPacks()).length + 1);
    await first.stop();
    // no announcement this time: the node remembers which packs are public
    const again = await startWeaverNode('all', home);
    const t = await stranger(of(again));
    expect(await nextDigestArms(t, 1)).toContain(arms.network);
    expect(again.peers().share.publicPacks).toBe(publicPacks);
  });
});

describe('k over distinct projects, where several tenants share', () => {
  it('two sharing tenants: an arm only one tenant used is withheld, an arm both used is released', async () => {
    const home = await tmp('wg-privacy-tenants-');
    const store = await createStore({ path: join(home, 'db') });
    const rows = learned();
    for (const s of rows) await store.put('arms', `s!${s.contextKey}!${s.armKey}`, s);
    // tenant b learned the built-in TypeScript arm only (n 60, well above k, on its own too)
    const both = rows.find((s) => s.armKey === arms.builtin)!;
    await store.within('b').put('arms', `s!${both.contextKey}!${both.armKey}`, both);
    await store.close();
    const node = await startWeaverNode('all', home);
    await node.tenancy.create({ id: 'b', share: true });
    const s = await stranger(of(node));
    const released = await nextDigestArms(s);
    expect(released).toContain(arms.builtin);
    // the default tenant's alone: public arms, n 60, but one project
    expect(released).not.toContain(arms.go);
    expect(released).not.toContain(arms.public);
    expect(node.peers().stats?.privacy).toMatchObject({ kProjects: 2 });
  });
});

describe('a node that shares nothing still learns from its peers', () => {
  let peer: TestNode;
  beforeAll(async () => {
    peer = await startNode();
  });
  afterAll(async () => {
    await peer?.close();
  });

  /** Outcomes this node measured itself: n at mean q (what its generations would have left). */
  const measured = (armKeyOf: string, n: number, q: number) => ({
    contextKey: TS,
    armKey: armKeyOf,
    n,
    sumQ: n * q,
    sumQ2: n * (q * q + 0.002),
    successes: q >= 0.9 ? n : 0,
  });

  async function peeringWith(share: string): Promise<{ peering: Peering; store: Store }> {
    const home = await tmp('wg-receive-');
    const store = await createStore({ path: join(home, 'db') });
    cleanup.push(() => store.close());
    // the node measured the pack defaults itself, so a peer that reports them alike earns its trust
    const defaults = paramCombinations(tsPack)
      .map((p) => armOf(tsPack, p))
      .find((a) => a.isDefault)!;
    const own = { ...armOf(tsPack, defaults.params), ...measured(defaults.key, 6, 0.45) };
    await store.put('arms', `s!${TS}!${defaults.key}`, { ...own, compileFailures: 0, evidence: [] });
    const learning = createLearning({ store }, { successThreshold: 0.9 });
    const config = await loadConfig({ home, network: { share, epochMs: EPOCH_MS } }, {});
    const peering = await createPeering({ store, learning, log: () => undefined }, config);
    cleanup.push(() => peering.stop());
    return { peering, store };
  }

  /** The arms chosen (incumbent and challenger) in 20 seeded choices, with the peering's priors. */
  async function chosenArms(peering: Peering, store: Store): Promise<string[]> {
    const learning = createLearning({ store }, { successThreshold: 0.9 });
    const context = parseContextKey(TS)!;
    const all = paramCombinations(tsPack).map((p) => armOf(tsPack, p));
    const picks: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const optimizer = createOptimizer({ store, learning }, { seed });
      const priors = peering.priors(
        TS,
        all.map((a) => a.key),
      );
      const { chosen } = await chooseArms(optimizer, context, all, 2, priors);
      picks.push(...chosen.map((a) => a.key));
    }
    return picks;
  }

  for (const share of ['receive-only', 'off'] as const)
    it(`share=${share}: a peer's digest ${share === 'off' ? 'changes nothing' : 'changes its choice'}`, async () => {
      const { peering, store } = await peeringWith(share);
      const target = paramCombinations(tsPack)
        .map((p) => armOf(tsPack, p))
        .at(-1)!;
      const before = await chosenArms(peering, store);
      await peering.network!.dial(peer.net.addresses()[0]);
      await until(
        'the peer in the mesh',
        () => peering.network!.peers().some((p) => p.id === peer.net.peerId && p.connected),
        10_000,
      );
      await sleep(500);
      // the peer found the target variant excellent, many times over, and the defaults as the node did
      const defaults = paramCombinations(tsPack)
        .map((p) => armOf(tsPack, p))
        .find((a) => a.isDefault)!;
      const stats = [
        { contextKey: TS, armKey: target.key, n: 200, sumQ: 199.6, sumQ2: 199.2, successes: 200 },
        measured(defaults.key, 200, 0.45),
      ] as ArmStatsLike[];
      await publishNext(peer, stats);
      const held = () =>
        peering.network!.digests().some((d) => d.peer === peer.net.peerId) &&
        (share === 'off' || Object.keys(peering.priors(TS, [target.key])).length > 0);
      await until('the digest at the node', held, 10_000);
      // a lone new peer counts a third of the trust quorum; one confirmed on an arm the node measured counts in full
      if (share !== 'off')
        await until(
          'the node trusts the peer past a new one',
          () => (peering.info().peers.find((p) => p.id === peer.net.peerId)?.trust ?? 0) > 0.3,
          15_000,
        );
      const after = await chosenArms(peering, store);
      const count = (picks: string[]) => picks.filter((k) => k === target.key).length;
      if (share === 'off') {
        expect(peering.priors(TS, [target.key])).toEqual({});
        expect(after).toEqual(before);
      } else {
        expect(count(after)).toBeGreaterThanOrEqual(count(before) + 6);
        expect(after).not.toEqual(before);
      }
      expect(peering.network!.stats().published.digests).toBe(0);
    });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe('addresses a node listening on 0.0.0.0 announces', () => {
  /** The listen addresses a stranger is told by identify when it connects over loopback. */
  async function identified(extra: { announce?: string[] }): Promise<{ told: string[]; node: TestNode }> {
    const port = await freePort();
    const node = await startNode({ listen: [`/ip4/0.0.0.0/tcp/${port}`], ...extra });
    cleanup.push(() => node.close());
    const raw = await startRawNode([]);
    cleanup.push(() => raw.stop());
    const told = new Promise<string[]>((resolve) => {
      raw.addEventListener('peer:identify', (e) => {
        if (e.detail.peerId.toString() === node.net.peerId) resolve(e.detail.listenAddrs.map(String));
      });
    });
    await raw.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${node.net.peerId}`), {
      signal: AbortSignal.timeout(5000),
    });
    return { told: await told, node };
  }

  it('identify tells only the network.announce addresses, and no address at all without them (not every interface)', async () => {
    const announce = ['/ip4/203.0.113.7/tcp/4591'];
    const given = await identified({ announce });
    expect(given.told).toEqual(announce);
    expect(given.node.net.addresses()).toEqual([`${announce[0]}/p2p/${given.node.net.peerId}`]);
    const none = await identified({});
    expect(none.told).toEqual([]);
    expect(none.node.net.addresses()).toEqual([]);
  });
});
