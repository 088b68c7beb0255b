import '../../../node/network/polyfill.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateKey } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import {
  createLibp2pNode,
  createNetwork,
  createPeerKey,
  type Network,
  type NetworkInit,
  type WeaverLibp2p,
} from '../../../node/network/index.js';
import { createPack, type Pack } from '../../../node/packs/index.js';
import { createStore, type Store } from '../../../node/storage/index.js';
import { type ArmStatsLike, cidOfBytes, TOPICS } from '../../../protocols/index.js';

/** Fast settings for loopback tests: short heartbeats, quick upkeep, short epochs, a big budget. */
export const FAST: Partial<NetworkInit> = {
  heartbeatIntervalMs: 100,
  maintainIntervalMs: 300,
  minPeers: 2,
  timeouts: { findProvidersMs: 5000, providerMs: 5000, fetchMs: 15_000, provideMs: 10_000, dialMs: 3000 },
  rateLimits: { digestsPerAuthor: { perMinute: 600, burst: 50 } },
  anonymizer: { epochMs: 50, budgetPerYear: 1_000, epsilon: 1, k: 5 },
  // every test node connects from 127.0.0.1: the per-IP inbound limits would only measure the test
  // setup (inbound-limits.test.ts sets its own)
  inboundLimits: { perIp: 1000, ratePerIp: { perMinute: 60_000, burst: 1000 } },
};

export interface TestNode {
  net: Network;
  key: PrivateKey;
  store: Store;
  home: string;
  digests: { from: string; epoch: number; at: number }[];
  patterns: string[];
  /** a new Network on the same key and store (a process restart) */
  restart(extra?: Partial<NetworkInit>): Promise<void>;
  close(): Promise<void>;
}

export async function startNode(extra: Partial<NetworkInit> = {}, key?: PrivateKey): Promise<TestNode> {
  const home = await mkdtemp(join(tmpdir(), 'weavergen-net-'));
  const store = await createStore({ path: join(home, 'db') });
  const peerKey = key ?? (await createPeerKey());
  const node: TestNode = {
    net: undefined as unknown as Network,
    key: peerKey,
    store,
    home,
    digests: [],
    patterns: [],
    async restart(more = {}) {
      await node.net.stop();
      attach({ ...extra, ...more });
      await node.net.start();
    },
    async close() {
      await node.net.stop();
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  const attach = (init: Partial<NetworkInit>) => {
    node.net = createNetwork({ store }, { ...FAST, ...init, peerKey });
    node.net.onDigest((d) => node.digests.push({ from: d.peer, epoch: d.epoch, at: Date.now() }));
    node.net.onPattern((a) => node.patterns.push(a.cid));
  };
  attach(extra);
  await node.net.start();
  return node;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true; the time it took, or throws with `what` after timeoutMs. */
export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}

let seq = 0;
/** Arm statistics a node could have learned: n above k, valid context and arm ids. */
export function someStats(count = 3, n = 40): ArmStatsLike[] {
  seq++;
  return Array.from({ length: count }, (_, i) => ({
    contextKey: `typescript|builtin|${['xs', 's', 'm'][i % 3]}|e1t0d0m1`,
    armKey: `${cidOfBytes(new TextEncoder().encode(`pack-${seq}-${i}`))}:0123456789ab:builtin`,
    n,
    sumQ: n * 0.8,
    sumQ2: n * 0.66,
  }));
}

/** A small valid pattern pack, different for every `tag`. */
export function testPack(tag: string): Pack {
  const manifest = [
    `name: net-test-${tag}`,
    'version: 1.0.0',
    'language: typescript',
    `description: network test pack ${tag}`,
    'license: Apache-2.0',
    'files:',
    '  - template: main.ts.liquid',
    '    output: main.ts',
  ].join('\n');
  return createPack(manifest, { 'main.ts.liquid': `// ${tag}\nexport const x = 1;\n` }, 'test');
}

/** publishLearning, waiting out the (short) epoch when this node already published in the current one. */
export async function publishNext(node: TestNode, stats = someStats()) {
  for (let i = 0; i < 50; i++) {
    const r = await node.net.publishLearning(stats);
    if (r.published) return r;
    if (r.reason !== 'epoch-already-published') throw new Error(`not published: ${r.reason}`);
    await sleep(20);
  }
  throw new Error('no new epoch in time');
}

/**
 * A bare libp2p node with WeaverGen's setup but none of its checks: it can publish anything on the
 * topics and answer pack requests however a test wants (the misbehaving peer).
 */
export async function startRawNode(bootstrap: string[], key?: PrivateKey): Promise<WeaverLibp2p> {
  const node = await createLibp2pNode({
    privateKey: key ?? (await createPeerKey()),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap,
    mdns: false,
    dhtServer: true,
    dhtAddresses: 'all',
    heartbeatIntervalMs: 100,
    maxConnections: 50,
    dialTimeoutMs: 2000,
  });
  await node.start();
  for (const t of TOPICS) node.services.pubsub.subscribe(t);
  return node;
}

/**
 * Connects a bare node to a peer until gossipsub on the bare node sees the peer subscribed (dialling
 * again when a connection came up without it, as can happen on a loaded machine).
 */
export async function meshRaw(raw: WeaverLibp2p, target: Network, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  const subscribed = () =>
    raw.services.pubsub.getSubscribers(TOPICS[0]).some((p) => p.toString() === target.peerId);
  for (let attempt = 0; !subscribed(); attempt++) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`bare node not meshed with ${target.peerId}`);
    const addr = multiaddr(target.addresses()[0]);
    // a connection that came up without gossipsub streams is dropped and made again
    if (attempt > 0) await raw.hangUp(addr).catch(() => undefined);
    await raw.dial(addr, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    for (let i = 0; i < 60 && !subscribed(); i++) await sleep(50);
  }
}
