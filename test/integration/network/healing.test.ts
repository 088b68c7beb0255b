import type { ConnectionGater } from '@libp2p/interface';
import { afterAll, expect, it } from 'vitest';
import { createPeerKey, peerIdOfKey } from '../../../node/network/index.js';
import { publishNext, sleep, startNode, type TestNode, until } from './harness.js';

/**
 * A line A - B - C (a connection gater keeps A and C apart, so every message from A to C goes
 * through B). Stopping B splits the network; bringing B back (same key, same address) heals it.
 */
const nodes: TestNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

const figure = (what: string, ms: number) => console.log(`[net] ${what}: ${ms} ms`);

/** denies any connection with the given peer, both ways */
const apartFrom = (peer: string): ConnectionGater => ({
  denyDialPeer: (p) => p.toString() === peer,
  denyInboundEncryptedConnection: (p) => p.toString() === peer,
  denyOutboundEncryptedConnection: (p) => p.toString() === peer,
});

it('in a line, stopping the middle node splits the network and bringing it back heals it', async () => {
  const [ka, kc] = [await createPeerKey(), await createPeerKey()];
  const a = await startNode({ connectionGater: apartFrom(peerIdOfKey(kc)) }, ka);
  nodes.push(a);
  const b = await startNode({ bootstrap: a.net.addresses() });
  nodes.push(b);
  const bAddress = b.net.addresses()[0];
  const c = await startNode({ bootstrap: [bAddress], connectionGater: apartFrom(peerIdOfKey(ka)) }, kc);
  nodes.push(c);
  await until('line meshed', () =>
    [a, b, c].every((n) => Object.values(n.net.stats().topics).every((t) => t.mesh >= 1)),
  );
  expect(
    a.net
      .peers()
      .filter((p) => p.connected)
      .map((p) => p.id),
  ).toEqual([b.net.peerId]);
  expect(
    c.net
      .peers()
      .filter((p) => p.connected)
      .map((p) => p.id),
  ).toEqual([b.net.peerId]);

  const fromA = (after: number) => c.digests.some((d) => d.from === a.net.peerId && d.at >= after);
  let t0 = Date.now();
  await publishNext(a);
  figure('digest across the line (2 hops)', await until('A reaches C through B', () => fromA(t0)));

  // B goes away: A's digests no longer reach C
  await b.net.stop();
  await until(
    'A and C lost B',
    () => !a.net.peers().some((p) => p.connected) && !c.net.peers().some((p) => p.connected),
  );
  t0 = Date.now();
  await publishNext(a);
  await sleep(1000);
  expect(fromA(t0)).toBe(false);

  // B comes back on the same key and address: B redials A (its bootstrap), C redials B
  const restartedAt = Date.now();
  await b.restart({ listen: [bAddress.replace(/\/p2p\/.*$/, '')] });
  expect(b.net.addresses()[0]).toBe(bAddress);
  await until('line meshed again', () =>
    [a, b, c].every((n) => Object.values(n.net.stats().topics).every((t) => t.mesh >= 1)),
  );
  figure('middle node back to line meshed again', Date.now() - restartedAt);
  t0 = Date.now();
  await publishNext(a);
  await until('A reaches C again', () => fromA(t0));
  figure('middle node back to a digest crossing the line', Date.now() - restartedAt);
  // and the other way
  const t1 = Date.now();
  await publishNext(c);
  await until('C reaches A', () => a.digests.some((d) => d.from === c.net.peerId && d.at >= t1));
  for (const n of [a, b, c]) expect(n.net.stats().rejections).toEqual({});
});
