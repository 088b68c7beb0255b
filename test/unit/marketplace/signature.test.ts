import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkAnnouncement,
  MarketplaceError,
  type PatternAnnouncement,
  type PrivateKey,
  packCid,
  packToBytes,
  signPack,
  verifyPack,
} from '../../../marketplace/index.js';
import { sign } from '../../../protocols/index.js';
import { samplePack, text, utf8 } from './helpers.js';

/**
 * One signing scheme for packs: the publisher's peer key signs the pattern announcement (protocols
 * signing, domain `pattern`), whose content id binds it to the exact bytes. Publish, gossip, fetch
 * and install check a pack with verifyPack.
 */
describe('pack signatures (the pattern announcement)', () => {
  let alice: PrivateKey;
  let bob: PrivateKey;
  const pack = samplePack();
  let ann: PatternAnnouncement;
  let bytes: Uint8Array;
  const HOUR = 1_760_000_400_000;

  beforeAll(async () => {
    alice = await generateKeyPair('Ed25519');
    bob = await generateKeyPair('Ed25519');
    ({ announcement: ann, bytes } = await signPack(pack, alice, HOUR));
  });

  it('signs name, version, language, content id, size, publisher and date; the pack verifies', async () => {
    expect(ann).toMatchObject({
      v: 1,
      type: 'pattern',
      name: 'sample-pack',
      version: '1.2.3',
      language: 'typescript',
      cid: packCid(pack),
      size: bytes.byteLength,
      publisher: peerIdFromPrivateKey(alice).toString(),
      timestamp: HOUR,
    });
    expect(bytes).toEqual(packToBytes(pack));
    const v = await verifyPack(bytes, ann, { origin: 'peer:x' });
    expect(v).toMatchObject({ ok: true, cid: ann.cid, publisher: ann.publisher });
    if (v.ok) {
      expect(v.pack.manifest).toEqual(pack.manifest);
      expect(v.pack.origin).toBe('peer:x');
    }
    expect(await checkAnnouncement(ann)).toMatchObject({ ok: true });
  });

  it('a tampered pack is refused: bytes changed in a template, or one byte flipped in transit', async () => {
    const tampered = packToBytes({ ...pack, templates: { ...pack.templates, 'index.ts.liquid': 'x' } });
    expect(await verifyPack(tampered, { ...ann, size: tampered.byteLength })).toMatchObject({
      ok: false,
      reason: 'bad-signature', // the size is signed too: changing it breaks the signature
    });
    const sameSize = utf8(text(bytes).replace('export', 'EXPORT'));
    expect(await verifyPack(sameSize, ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
    const flipped = bytes.map((b, i) => (i === 40 ? b ^ 1 : b));
    expect(await verifyPack(flipped, ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
  });

  it('a tampered pack is refused: signed by another key than its publisher', async () => {
    // Bob signs an announcement naming Alice as publisher
    const { sig: _sig, ...unsigned } = ann;
    const forged = await sign('pattern', unsigned, bob);
    expect(await verifyPack(bytes, forged)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Alice's signature, Bob named as publisher
    const claimed = { ...ann, publisher: peerIdFromPrivateKey(bob).toString() };
    expect(await verifyPack(bytes, claimed)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Bob may publish the same content under his own name: that verifies, as Bob's
    const own = await signPack(pack, bob, HOUR);
    expect(await verifyPack(own.bytes, own.announcement)).toMatchObject({
      ok: true,
      publisher: own.announcement.publisher,
    });
  });

  it('a tampered pack is refused: the id does not match (another pack under this id, another id asked)', async () => {
    const other = samplePack({ description: 'another pack' });
    const otherBytes = packToBytes(other);
    expect(await verifyPack(otherBytes, { ...ann, size: otherBytes.byteLength })).toMatchObject({
      ok: false,
    });
    const signedOther = await signPack(other, alice, HOUR);
    // the right announcement and bytes, but not what was asked for
    expect(await verifyPack(signedOther.bytes, signedOther.announcement, { cid: ann.cid })).toMatchObject({
      ok: false,
      reason: 'cid-mismatch',
    });
    // an announcement whose cid is the other pack's, signed honestly, with this pack's bytes
    const lying = await sign(
      'pattern',
      { ...signedOther.announcement, sig: undefined, size: bytes.byteLength },
      alice,
    );
    expect(await verifyPack(bytes, lying)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
  });

  it('a manifest that is not what was announced (name, version, language) is refused', async () => {
    const { sig: _s, ...unsigned } = ann;
    for (const [field, value, reason] of [
      ['name', 'popular-pack', 'name-mismatch'],
      ['version', '9.9.9', 'version-mismatch'],
      ['language', 'python', 'bad-announcement'],
    ] as const) {
      const a = await sign('pattern', { ...unsigned, [field]: value }, alice);
      expect(await verifyPack(bytes, a), field).toMatchObject({ ok: false, reason });
    }
  });

  it('refuses malformed announcements and RSA publishers, never throwing', async () => {
    const rsa = { ...ann, publisher: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' };
    expect((await verifyPack(bytes, rsa)).ok).toBe(false);
    const bad: unknown[] = [
      { ...ann, cid: 'not-a-cid' },
      { ...ann, cid: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' },
      { ...ann, publisher: 'not a peer' },
      { ...ann, sig: 'AAAA' },
      { ...ann, extra: 1 },
      { ...ann, name: undefined },
      null,
      42,
    ];
    for (const a of bad) {
      const v = await verifyPack(bytes, a);
      expect(v.ok, JSON.stringify(a)).toBe(false);
      if (!v.ok) expect(v.message.length).toBeLessThan(400);
    }
    expect(await verifyPack(42 as unknown as Uint8Array, ann)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(await verifyPack(utf8('{"manifest":'), ann)).toMatchObject({ ok: false });
  });

  it('refuses to sign a pack its peers would reject', async () => {
    const unsafe = { ...pack, templates: { ...pack.templates, '../escape.liquid': 'x' } };
    await expect(signPack(unsafe, alice, HOUR)).rejects.toBeInstanceOf(MarketplaceError);
  });
});
