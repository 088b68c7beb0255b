import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import { createMarketplace, type LocalArmStats, packCid, packToBytes } from '../../../marketplace/index.js';
import { samplePack } from './helpers.js';

const CTX = 'typescript|builtin|s|e1t1d0m1';

describe('marketplace', () => {
  it('publishes, announces, fetches and verifies a pack between two nodes', async () => {
    const aliceKey = await generateKeyPair('Ed25519');
    const alice = createMarketplace({ privateKey: aliceKey });
    const bob = createMarketplace();
    const aliceId = peerIdFromPrivateKey(aliceKey).toString();
    const pack = samplePack({ name: 'alice-pack', description: 'TypeScript constants the Alice way' });

    const ann = await alice.announce(pack);
    expect(ann).toMatchObject({ cid: packCid(pack), publisher: aliceId, language: 'typescript' });
    expect(alice.packs.get(ann.cid)).toMatchObject({ sources: ['installed'], verified: true });

    expect(await bob.receiveAnnouncement(ann, aliceId)).toMatchObject({
      ok: true,
      entry: { verified: false, kind: '', language: 'typescript' },
    });
    // an announcement names the pack; its description is known once the pack is fetched
    expect(bob.search({ text: 'alice' }).map((h) => h.entry.name)).toEqual(['alice-pack']);
    expect(bob.search({ text: 'alice way' })).toEqual([]);
    const v = await bob.receivePack(packToBytes(pack), ann, aliceId);
    expect(v).toMatchObject({ ok: true, publisher: aliceId });
    if (v.ok) expect(v.pack.origin).toBe(`peer:${aliceId}`);
    expect(bob.packs.get(ann.cid)).toMatchObject({ verified: true, publishers: [aliceId], kind: 'template' });
    expect(bob.search({ text: 'alice way' }).map((h) => h.entry.name)).toEqual(['alice-pack']);
    expect(bob.rejections()).toEqual({});
  });

  it('charges rejections to the authenticated sender, never to the peer a message merely names', async () => {
    const key = await generateKeyPair('Ed25519');
    const alice = createMarketplace({ privateKey: key });
    const bob = createMarketplace();
    const pack = samplePack();
    const ann = await alice.announce(pack);
    const tampered = packToBytes({ ...pack, templates: { ...pack.templates, 'index.ts.liquid': 'evil' } });

    expect(await bob.receivePack(tampered, ann, 'mallory')).toMatchObject({
      ok: false,
      reason: 'cid-mismatch',
    });
    expect(await bob.receiveAnnouncement({ ...ann, name: 'other-name' }, 'mallory')).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(bob.reputation.score('mallory')).toBeLessThan(bob.reputation.initial);
    expect(bob.reputation.score(ann.publisher)).toBe(bob.reputation.initial); // Alice is not blamed for Mallory's bytes
    expect(bob.rejections()).toEqual({ 'cid-mismatch': 1, 'bad-signature': 1 });

    // a digest claiming to be Alice's but sent by Mallory
    expect(bob.receiveDigest({ peer: ann.publisher, epoch: 1, entries: [] }, [], 'mallory')).toMatchObject({
      ok: false,
      reason: 'bad-digest',
    });
    expect(bob.ratings.peers()).toEqual([]);
    expect(bob.rejections()['bad-digest']).toBe(1);
  });

  it('turns digests into priors; a peer contradicting local evidence loses its say', () => {
    const m = createMarketplace({}, { trust: 0.5 });
    const good = 'bafkreigood:h:builtin';
    const poor = 'bafkreipoor:h:builtin';
    const local: LocalArmStats[] = [
      { contextKey: CTX, armKey: good, n: 10, sumQ: 9.5, sumQ2: 9.03 },
      { contextKey: CTX, armKey: poor, n: 10, sumQ: 5, sumQ2: 2.6 },
    ];
    const digest = (peer: string, epoch: number, g: number, p: number) => ({
      peer,
      epoch,
      entries: [
        { contextKey: CTX, armKey: good, n: 20, sumQ: 20 * g },
        { contextKey: CTX, armKey: poor, n: 20, sumQ: 20 * p },
      ],
    });
    const first = m.receiveDigest(digest('honest', 1, 0.94, 0.52), local, 'honest');
    expect(first).toMatchObject({ ok: true, status: 'new', comparison: { agreed: 2 } });
    expect(m.receiveDigest(digest('honest', 1, 0.94, 0.52), local, 'honest')).toEqual({
      ok: true,
      status: 'unchanged',
    });
    // a liar says the opposite, every epoch
    for (let epoch = 1; epoch <= 6; epoch++) m.receiveDigest(digest('liar', epoch, 0.1, 1), local, 'liar');
    expect(m.reputation.weight('liar')).toBe(0);
    const priors = m.priorsFor(CTX, [good, poor]);
    expect(priors[good].sumQ / priors[good].n).toBeCloseTo(0.94, 9);
    expect(priors[poor].sumQ / priors[poor].n).toBeCloseTo(0.52, 9);
    // the honest peer is the most trusted one held, so it counts at face value (weights are
    // relative to the most trusted peer); trust 0.5 (the default set at init) halves its capped 20
    expect(m.ratings.peers().find((p) => p.peer === 'honest')?.weight).toBe(1);
    expect(priors[good].n).toBeCloseTo(20 * 0.5, 9);
    expect(m.priorsFor(CTX, [good], 1)[good].n).toBeCloseTo(20, 9);
  });
});
