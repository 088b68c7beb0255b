import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, expect, it } from 'vitest';
import type { WeaverLibp2p } from '../../../node/network/index.js';
import { startNode, startRawNode, type TestNode, until } from './harness.js';

/**
 * One address cannot hold many connections: a node with a per-IP limit of 3, and six identities
 * dialling it from 127.0.0.1. Real libp2p nodes on loopback.
 */
const nodes: TestNode[] = [];
const raws: WeaverLibp2p[] = [];
afterAll(async () => {
  await Promise.all(raws.map((r) => r.stop()));
  await Promise.all(nodes.map((n) => n.close()));
});

const dialFrom = async (raw: WeaverLibp2p, target: TestNode) =>
  raw
    .dial(multiaddr(target.net.addresses()[0]), { signal: AbortSignal.timeout(3000) })
    .then(() => true)
    .catch(() => false);

it('refuses inbound connections from one IP past the limit, counts them, and takes more once one closes', async () => {
  const node = await startNode({
    minPeers: 0,
    inboundLimits: { perIp: 3, ratePerIp: { perMinute: 6000, burst: 100 } },
  });
  nodes.push(node);
  const six = await Promise.all(Array.from({ length: 6 }, () => startRawNode([])));
  raws.push(...six);
  const results: boolean[] = [];
  for (const raw of six) results.push(await dialFrom(raw, node));
  expect(results).toEqual([true, true, true, false, false, false]);
  const inbound = () =>
    node.net
      .peers()
      .filter((p) => p.connected && six.some((r) => r.peerId.toString() === p.id))
      .map((p) => p.id);
  await until('three connections held', () => inbound().length === 3);
  expect(node.net.stats().rejections['connections:reject:per-ip-limit']).toBeGreaterThanOrEqual(3);

  // the node keeps working, and a place freed is a place taken again
  await six[0].stop();
  await until('the first connection gone', () => inbound().length === 2);
  expect(await dialFrom(six[3], node)).toBe(true);
  await until('the freed place taken', () => inbound().includes(six[3].peerId.toString()));
  expect(inbound()).toHaveLength(3);
});

it('refuses a burst of new connections from one IP past its rate, and counts them', async () => {
  const node = await startNode({
    minPeers: 0,
    inboundLimits: { perIp: 100, ratePerIp: { perMinute: 1, burst: 2 } },
  });
  nodes.push(node);
  const three = await Promise.all(Array.from({ length: 3 }, () => startRawNode([])));
  raws.push(...three);
  const results: boolean[] = [];
  for (const raw of three) results.push(await dialFrom(raw, node));
  expect(results).toEqual([true, true, false]);
  expect(node.net.stats().rejections['connections:reject:per-ip-rate']).toBeGreaterThanOrEqual(1);
});
