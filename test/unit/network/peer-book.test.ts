import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { ipGroup, ipOf } from '../../../node/network/ip.js';
import { createPeerBook, type PeerRetention, selectRetained } from '../../../node/network/peer-book.js';
import { completeRecord, createNetState, type PeerRecord } from '../../../node/network/persist.js';

const RETENTION: PeerRetention = {
  maxPeers: 64,
  perIp: 2,
  perSubnet: 8,
  usefulHalfLifeMs: 7 * 24 * 3600_000,
  flushIntervalMs: 30_000,
};
const NOW = 1_700_000_000_000;
const DAY = 24 * 3600_000;

const rec = (id: string, ip: string, over: Partial<PeerRecord> = {}): PeerRecord =>
  completeRecord({ id, ip, addrs: [`/ip4/${ip}/tcp/4591`], firstSeen: NOW, lastSeen: NOW, ...over });
const useful = (id: string, ip: string, digests: number, over: Partial<PeerRecord> = {}) =>
  rec(id, ip, { digests, lastUseful: NOW, ...over });
const keep = (records: PeerRecord[], retention: Partial<PeerRetention> = {}, bootstrap: string[] = []) =>
  selectRetained(records, new Set(bootstrap), { ...RETENTION, ...retention }, NOW);

describe('which peers are saved', () => {
  it('a peer that proved nothing holds no place, however many there are', () => {
    const flood = Array.from({ length: 500 }, (_, i) => rec(`x${i}`, `10.9.${i >> 8}.${i & 255}`));
    expect([...keep([useful('honest', '192.0.2.7', 1), ...flood])]).toEqual(['honest']);
  });

  it('places go by merit: digests, relays, packs, time connected; a negative gossipsub score ranks down', () => {
    const records = [
      useful('few', '198.51.100.1', 1),
      useful('many', '198.51.100.2', 10),
      rec('packs', '198.51.100.3', { packs: 2, lastUseful: NOW }),
      rec('uptime', '198.51.100.4', { connectedMs: 3 * 3600_000, lastUseful: NOW }),
      rec('brief', '198.51.100.5', { connectedMs: 9 * 60_000, lastUseful: NOW }),
      useful('penalized', '198.51.100.6', 10, { score: -200 }),
    ];
    expect([...keep(records, { maxPeers: 4 })]).toEqual(['many', 'uptime', 'packs', 'few']);
    // with room to spare the penalized peer keeps a place, last; the brief one never has one
    expect([...keep(records)]).toEqual(['many', 'uptime', 'packs', 'few', 'penalized']);
  });

  it('what was useful long ago counts less than what is useful now', () => {
    const records = [
      useful('old', '203.0.113.1', 10, { lastUseful: NOW - 30 * DAY }),
      useful('new', '203.0.113.9', 5),
    ];
    expect([...keep(records, { maxPeers: 1 })]).toEqual(['new']);
  });

  it('at most perIp identities from one IP and perSubnet from one /24 hold places', () => {
    const oneIp = Array.from({ length: 10 }, (_, i) => useful(`ip${i}`, '192.0.2.50', 20));
    const oneSubnet = Array.from({ length: 20 }, (_, i) => useful(`net${i}`, `198.51.100.${i + 1}`, 20));
    const modest = useful('elsewhere', '203.0.113.5', 1);
    const kept = keep([...oneIp, ...oneSubnet, modest], { maxPeers: 11 });
    expect([...kept].filter((id) => id.startsWith('ip'))).toHaveLength(2);
    expect([...kept].filter((id) => id.startsWith('net'))).toHaveLength(8);
    expect(kept.has('elsewhere')).toBe(true);
  });

  it('bootstrap peers are always saved and take no place from the others', () => {
    const records = [rec('boot', '192.0.2.1'), useful('a', '198.51.100.1', 1), useful('b', '203.0.113.1', 1)];
    expect(keep(records, { maxPeers: 1 }, ['boot'])).toEqual(new Set(['boot', 'a']));
  });

  it('groups IPv4 by /24 and IPv6 by /48, on the observed address', () => {
    expect(ipGroup('192.0.2.77')).toBe('192.0.2.0/24');
    expect(ipGroup('2001:db8:1:2::5')).toBe(ipGroup('2001:0db8:0001:ffff::9'));
    expect(ipGroup('2001:db8:1:2::5')).not.toBe(ipGroup('2001:db8:2::1'));
    expect(
      ipOf(multiaddr('/ip4/10.1.2.3/tcp/5/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')),
    ).toBe('10.1.2.3');
    expect(ipOf(multiaddr('/ip6/::ffff:10.1.2.3/tcp/5'))).toBe('10.1.2.3');
    expect(ipOf(multiaddr('/dns4/example.org/tcp/5'))).toBeUndefined();
  });
});

describe('the peer book', () => {
  const init = {
    selfId: 'self',
    bootstrap: [] as string[],
    retention: RETENTION,
    onError: (e: unknown) => {
      throw e;
    },
  };

  it('saves the peer that sent valid digests through a flood of new identities, and stays bounded', async () => {
    const state = createNetState(undefined);
    const book = await createPeerBook(state, init);
    book.connected('honest', '192.0.2.7', NOW);
    book.identified('honest', ['/ip4/192.0.2.7/tcp/4591'], '192.0.2.7', NOW);
    book.useful('honest', 'digest', NOW + 1);
    book.disconnected('honest', NOW + 2);
    for (let i = 0; i < 2000; i++) {
      const id = `throwaway${i}`;
      book.connected(id, '10.66.0.1', NOW + 10 + i);
      book.identified(id, [`/ip4/10.66.0.1/tcp/${1000 + i}`], '10.66.0.1', NOW + 10 + i);
      book.disconnected(id, NOW + 11 + i);
    }
    expect(book.size).toBeLessThanOrEqual(RETENTION.maxPeers * 8);
    expect(book.record('honest')?.digests).toBe(1);
    expect(book.candidates(NOW + 5000)[0].id).toBe('honest');
    await book.flush(NOW + 5000, true);
    expect((await state.peerRecords()).map((r) => r.id)).toEqual(['honest']);
    // a restart reads it back
    const again = await createPeerBook(state, init);
    expect(again.candidates(NOW + 6000).map((r) => r.id)).toEqual(['honest']);
  });

  it('credits the time connected, so a peer that stays is saved after 10 minutes', async () => {
    const state = createNetState(undefined);
    const book = await createPeerBook(state, init);
    book.connected('stays', '192.0.2.8', NOW);
    book.identified('stays', ['/ip4/192.0.2.8/tcp/4591'], '192.0.2.8', NOW);
    await book.flush(NOW + 9 * 60_000, true);
    expect(await state.peerRecords()).toEqual([]);
    await book.flush(NOW + 11 * 60_000, true);
    expect((await state.peerRecords()).map((r) => r.id)).toEqual(['stays']);
  });

  it('reads records saved before retention by usefulness as unproven: dialled, then dropped', async () => {
    const state = createNetState(undefined);
    await state.updatePeerRecords(
      [{ id: 'legacy', addrs: ['/ip4/192.0.2.9/tcp/4591'], lastSeen: NOW } as unknown as PeerRecord],
      [],
    );
    const book = await createPeerBook(state, init);
    expect(book.candidates(NOW).map((r) => r.id)).toEqual(['legacy']);
    await book.flush(NOW, true);
    expect(await state.peerRecords()).toEqual([]);
  });

  it('writes when a peer first proves useful, else at most every flushIntervalMs', async () => {
    const state = createNetState(undefined);
    const book = await createPeerBook(state, init);
    book.connected('p', '192.0.2.10');
    book.identified('p', ['/ip4/192.0.2.10/tcp/4591'], '192.0.2.10');
    await book.flush();
    expect(await state.peerRecords()).toEqual([]);
    book.useful('p', 'relay');
    await book.flush();
    expect((await state.peerRecords()).map((r) => [r.id, r.relayed])).toEqual([['p', 1]]);
    book.useful('p', 'relay');
    await book.flush();
    expect((await state.peerRecords())[0].relayed).toBe(1);
    await book.flush(Date.now() + RETENTION.flushIntervalMs);
    expect((await state.peerRecords())[0].relayed).toBe(2);
  });
});
