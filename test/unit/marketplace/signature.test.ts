import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MarketplaceError,
  type PackAnnouncement,
  type PrivateKey,
  packCid,
  packToBytes,
  signPack,
  verifyAnnouncement,
  verifyPack,
} from '../../../marketplace/index.js';
import { samplePack, text, utf8 } from './helpers.js';

describe('pack signatures', () => {
  let alice: PrivateKey;
  let bob: PrivateKey;
  const pack = samplePack();
  let ann: PackAnnouncement;

  beforeAll(async () => {
    alice = await generateKeyPair('Ed25519');
    bob = await generateKeyPair('Ed25519');
    ann = await signPack(pack, alice);
  });

  it('signs the content id, name and version; the signed pack verifies from bytes and as a pack', async () => {
    expect(ann.cid).toBe(packCid(pack));
    expect(ann).toMatchObject({ name: 'sample-pack', version: '1.2.3' });
    expect(ann.publisher).toBe(peerIdFromPrivateKey(alice).toString());
    const fromBytes = await verifyPack(packToBytes(pack), ann);
    expect(fromBytes).toMatchObject({ ok: true, cid: ann.cid, publisher: ann.publisher });
    if (fromBytes.ok) expect(fromBytes.pack.manifest).toEqual(pack.manifest);
    expect(await verifyPack(pack, ann)).toMatchObject({ ok: true });
    expect(await verifyAnnouncement(ann)).toMatchObject({ ok: true, cid: ann.cid });
  });

  it('rejects a tampered template: the bytes no longer hash to the announced id', async () => {
    const tampered = { ...pack, templates: { ...pack.templates, 'index.ts.liquid': 'process.exit(1)' } };
    expect(await verifyPack(packToBytes(tampered), ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
    expect(await verifyPack(tampered, ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
    // one flipped byte in transit
    const bytes = packToBytes(pack);
    const i = text(bytes).indexOf('export');
    bytes[i] = 'E'.charCodeAt(0);
    expect(await verifyPack(bytes, ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
  });

  it('rejects a changed name or version, in the announcement or re-released under the old signature', async () => {
    expect(await verifyPack(pack, { ...ann, name: 'popular-pack' })).toMatchObject({
      ok: false,
      reason: 'name-mismatch',
    });
    expect(await verifyPack(pack, { ...ann, version: '9.9.9' })).toMatchObject({
      ok: false,
      reason: 'version-mismatch',
    });
    // the pack itself changed to 2.0.0, the id and version updated to match, the old signature kept
    const v2 = samplePack({ version: '2.0.0' });
    const forged = { ...ann, cid: packCid(v2), version: '2.0.0' };
    expect(await verifyPack(v2, forged)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const renamed = samplePack({ name: 'popular-pack' });
    const forged2 = { ...ann, cid: packCid(renamed), name: 'popular-pack' };
    expect(await verifyPack(renamed, forged2)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(await verifyAnnouncement(forged2)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a wrong publisher key: signed by one peer, claimed for another', async () => {
    const claimedByBob = { ...ann, publisher: peerIdFromPrivateKey(bob).toString() };
    expect(await verifyPack(pack, claimedByBob)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const signedByBob = await signPack(pack, bob);
    const claimedByAlice = { ...signedByBob, publisher: ann.publisher };
    expect(await verifyPack(pack, claimedByAlice)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Bob may publish the same content under his own name: that verifies, as Bob's
    expect(await verifyPack(pack, signedByBob)).toMatchObject({ ok: true, publisher: signedByBob.publisher });
  });

  it('rejects a CID mismatch: the bytes of another pack under this announcement', async () => {
    const other = samplePack({ description: 'another pack' });
    expect(await verifyPack(packToBytes(other), ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
  });

  it('rejects publishers without an embedded key and malformed announcements, never throwing', async () => {
    // an RSA-style peer id (sha-256 multihash): the key is not in the id
    const rsa = { ...ann, publisher: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' };
    expect(await verifyPack(pack, rsa)).toMatchObject({ ok: false, reason: 'unknown-publisher-key' });
    const bad: [Partial<PackAnnouncement> | null, string][] = [
      [{ ...ann, cid: 'not-a-cid' }, 'bad-announcement'],
      // a CIDv0 (dag-pb) is not a pack id
      [{ ...ann, cid: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' }, 'bad-announcement'],
      [{ ...ann, publisher: 'not a peer' }, 'bad-announcement'],
      [{ ...ann, signature: 'AAAA' as unknown as Uint8Array }, 'bad-announcement'],
      [{ ...ann, signature: new Uint8Array(4096) }, 'bad-announcement'],
      [{ ...ann, signature: new Uint8Array(64) }, 'bad-signature'],
      [{ ...ann, name: undefined }, 'bad-announcement'],
      [null, 'bad-announcement'],
    ];
    for (const [a, reason] of bad) {
      const v = await verifyPack(pack, a as PackAnnouncement);
      expect(v, reason).toMatchObject({ ok: false, reason });
      if (!v.ok) expect(v.message.length).toBeLessThan(400);
    }
    expect(await verifyPack(42 as unknown as Uint8Array, ann)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(await verifyPack(utf8('{"manifest":'), ann)).toMatchObject({ ok: false, reason: 'cid-mismatch' });
  });

  it('refuses to sign a pack its peers would reject', async () => {
    const unsafe = { ...pack, templates: { ...pack.templates, '../escape.liquid': 'x' } };
    await expect(signPack(unsafe, alice)).rejects.toBeInstanceOf(MarketplaceError);
  });
});
