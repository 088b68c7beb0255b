import type { Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WeaverLibp2p } from '../../../node/network/index.js';
import { DIGEST_SYNC_PROTOCOL, LIMITS } from '../../../protocols/index.js';
import { FAST, publishNext, sleep, startNode, startRawNode, type TestNode, until } from './harness.js';

/**
 * Frame-level garbage on the digest catch-up protocol (`/weavergen/digests/1.0.0`), as raw bytes
 * through real libp2p streams on loopback, both ways: peers that answer the node's catch-up with
 * garbage, and peers that ask the node with garbage. Each is counted against the peer by reason,
 * its stream is closed, and the node keeps serving.
 */
const IDLE_MS = 800;
const nodes: TestNode[] = [];
const raws: WeaverLibp2p[] = [];
let node: TestNode;

beforeAll(async () => {
  node = await startNode({ minPeers: 0, timeouts: { ...FAST.timeouts, syncIdleMs: IDLE_MS } });
  nodes.push(node);
  // the node holds its own digest, to serve it
  await publishNext(node);
});

afterAll(async () => {
  await Promise.all(raws.map((r) => r.stop()));
  await Promise.all(nodes.map((n) => n.close()));
});

const varint = (n: number) => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
};

/** a peer that answers the node's catch-up request with `answer`, then holds or closes the stream */
async function answering(answer: (stream: Stream) => Promise<void>): Promise<WeaverLibp2p> {
  const raw = await startRawNode([]);
  raws.push(raw);
  await raw.handle(DIGEST_SYNC_PROTOCOL, async (stream) => {
    try {
      await answer(stream);
    } catch {
      // the node aborted the stream: that is the point
    }
  });
  return raw;
}

const rejectedBy = (raw: WeaverLibp2p) =>
  node.net.peers().find((p) => p.id === raw.peerId.toString())?.rejected ?? {};

/** the node meets the peer (and so asks it for digests), then the count appears */
async function meet(raw: WeaverLibp2p, key: string) {
  await node.net.dial(raw.getMultiaddrs()[0].toString());
  await until(`${key} counted`, () => (rejectedBy(raw)[key] ?? 0) >= 1, 10_000);
}

it('counts answers whose length prefix is not a varint, over the cap, or cut short', async () => {
  const badVarint = await answering(async (s) => {
    s.send(new Uint8Array(12).fill(0xff));
    await sleep(3000);
  });
  const oversized = await answering(async (s) => {
    s.send(varint(LIMITS.digestBytes + 1));
    s.send(new Uint8Array(64));
    await sleep(3000);
  });
  const truncated = await answering(async (s) => {
    s.send(varint(500));
    s.send(new Uint8Array(20));
    await s.close();
  });
  await Promise.all([
    meet(badVarint, 'digests:reject:sync-bad-length'),
    meet(oversized, 'digests:reject:sync-oversized'),
    meet(truncated, 'digests:reject:sync-truncated'),
  ]);
  expect(rejectedBy(badVarint)).toEqual({ 'digests:reject:sync-bad-length': 1 });
  expect(rejectedBy(oversized)).toEqual({ 'digests:reject:sync-oversized': 1 });
  expect(rejectedBy(truncated)).toEqual({ 'digests:reject:sync-truncated': 1 });
});

it('counts an answer that stalls mid-frame, and one with more frames than a catch-up holds', async () => {
  let stalledStream: Stream | undefined;
  const stalls = await answering(async (s) => {
    stalledStream = s;
    s.send(varint(300));
    s.send(new Uint8Array(10));
    await sleep(5 * IDLE_MS);
  });
  const floods = await answering(async (s) => {
    // empty frames: each one a malformed digest, and one more than LIMITS.syncDigests
    for (let i = 0; i <= LIMITS.syncDigests; i++) s.send(varint(0));
    await s.close();
  });
  const t0 = Date.now();
  await Promise.all([
    meet(stalls, 'digests:fail:sync-stalled'),
    meet(floods, 'digests:reject:sync-too-many-frames'),
  ]);
  expect(rejectedBy(stalls)).toEqual({ 'digests:fail:sync-stalled': 1 });
  expect(rejectedBy(floods)).toEqual({
    'digests:reject:malformed': LIMITS.syncDigests,
    'digests:reject:sync-too-many-frames': 1,
  });
  // the stalled stream was closed by the node after about IDLE_MS, not left open
  expect(Date.now() - t0).toBeLessThan(4 * IDLE_MS + 2000);
  await until('the stalled stream closed', () => stalledStream?.status !== 'open', 3000);
});

it('counts an asker that sends data, or never ends its side, and closes their streams', async () => {
  const asker = await startRawNode([]);
  raws.push(asker);
  const target = peerIdFromString(node.net.peerId);
  await asker.dial(multiaddr(node.net.addresses()[0]));
  const chatty = await asker.dialProtocol(target, DIGEST_SYNC_PROTOCOL);
  chatty.send(Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02]));
  const silent = await asker.dialProtocol(target, DIGEST_SYNC_PROTOCOL);
  // `silent` neither reads nor ends its side
  await until(
    'both counted',
    () =>
      rejectedBy(asker)['digests:reject:sync-unexpected-data'] === 1 &&
      rejectedBy(asker)['digests:fail:sync-stalled'] === 1,
    10_000,
  );
  await until(
    'both streams closed by the node',
    () => chatty.status !== 'open' && silent.status !== 'open',
    3000,
  );
});

it('keeps serving: a new peer still catches up on the node, and honest exchanges count nothing', async () => {
  const fresh = await startNode({ minPeers: 0 });
  nodes.push(fresh);
  await fresh.net.dial(node.net.addresses()[0]);
  await until('the node digest caught up', () => fresh.net.digests().some((d) => d.peer === node.net.peerId));
  expect(fresh.net.stats().rejections).toEqual({});
  // and an honest exchange is counted against nobody, on either side (past the idle deadline)
  await sleep(IDLE_MS + 400);
  expect(node.net.peers().find((p) => p.id === fresh.net.peerId)?.rejected).toEqual({});
  expect(fresh.net.peers().find((p) => p.id === node.net.peerId)?.rejected).toEqual({});
  expect(node.net.stats().started).toBe(true);
});
