import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, expect, it } from 'vitest';
import { createLibp2pNode, createPeerKey } from '../../../node/network/index.js';
import { createNetState } from '../../../node/network/persist.js';
import { publishNext, sleep, startNode, type TestNode, until } from './harness.js';

/**
 * A flood of throwaway identities cannot make a node forget the peer that proved useful: one
 * honest peer sends valid digests, then 72 new identities (real libp2p nodes on loopback, created
 * and stopped a few at a time) dial in; after a restart the node still has the honest peer saved,
 * and connects to it. Before retention by usefulness the 64 newest were kept: the honest peer was
 * gone and the restarted node dialled only dead throwaways.
 */
const nodes: TestNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

const FLOOD = 72;
/** dials per round, rounds at least a second apart (libp2p's default limit is 5 per second per host) */
const PER_ROUND = 4;

/** one new identity: dials the node, lets identify run both ways, stops; true when identify ran */
async function throwaway(target: string): Promise<boolean> {
  const raw = await createLibp2pNode({
    privateKey: await createPeerKey(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    mdns: false,
    dhtServer: false,
    dhtAddresses: 'all',
    heartbeatIntervalMs: 1000,
    maxConnections: 4,
    dialTimeoutMs: 3000,
  });
  await raw.start();
  try {
    const identified = new Promise<boolean>((resolve) => {
      raw.addEventListener('peer:identify', () => resolve(true), { once: true });
      setTimeout(() => resolve(false), 3000);
    });
    await raw.dial(multiaddr(target), { signal: AbortSignal.timeout(3000) });
    const ok = await identified;
    // the node identifies it at the same time; a moment for that to land
    await sleep(100);
    return ok;
  } finally {
    await raw.stop();
  }
}

it('keeps the peer that sent valid digests through a flood of new identities, and reconnects to it after a restart', async () => {
  const node = await startNode({ minPeers: 2 });
  nodes.push(node);
  const honest = await startNode({ minPeers: 0 });
  nodes.push(honest);
  await honest.net.dial(node.net.addresses()[0]);
  await until('meshed', () =>
    [node, honest].every((n) => Object.values(n.net.stats().topics).every((t) => t.mesh >= 1)),
  );
  const t0 = Date.now();
  await publishNext(honest);
  await until('the honest digest received', () =>
    node.digests.some((d) => d.from === honest.net.peerId && d.at >= t0),
  );

  const floodStart = Date.now();
  const target = node.net.addresses()[0];
  let identified = 0;
  for (let i = 0; i < FLOOD; i += PER_ROUND) {
    const round = Date.now();
    const oks = await Promise.all(
      Array.from({ length: Math.min(PER_ROUND, FLOOD - i) }, () => throwaway(target).catch(() => false)),
    );
    identified += oks.filter(Boolean).length;
    await sleep(Math.max(0, 1050 - (Date.now() - round)));
  }
  console.log(`[net] ${FLOOD} throwaway identities dialled in: ${Date.now() - floodStart} ms`);
  expect(identified).toBe(FLOOD);

  // a restart on a new port: the honest peer cannot dial the node, the node must dial it
  await node.restart();
  const saved = (await createNetState(node.store).peerRecords()).map((r) => r.id);
  expect(saved).toEqual([honest.net.peerId]);
  await until(
    'the restarted node connected to the honest peer',
    () => node.net.peers().some((p) => p.id === honest.net.peerId && p.connected),
    15_000,
  );
});
