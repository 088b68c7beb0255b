import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  createReplayGuard,
  encodeCanonical,
  LIMITS,
  sign,
  validateDigest,
  validatePattern,
} from '../../../protocols/index.js';
import { cidFor, signDigest, signer, signPattern, unsignedDigest } from './helpers.js';

const NOW = 1_700_000_000_000;
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('digest validator verdicts', () => {
  it('accepts a well-formed, signed, fresh digest and records its epoch', async () => {
    const s = await signer();
    const replay = createReplayGuard();
    const v = await validateDigest(encodeCanonical(await signDigest(s)), { now: NOW, author: s.id, replay });
    expect(v.action).toBe('accept');
    expect(replay.last(s.id)).toBe(7);
  });

  it('rejects oversized bytes before parsing them', async () => {
    const v = await validateDigest(new Uint8Array(LIMITS.digestBytes + 1), { now: NOW });
    expect(v).toMatchObject({ action: 'reject', reason: 'oversized' });
  });

  it('rejects malformed messages: not JSON, not UTF-8, not an object, missing, extra or wrong fields', async () => {
    const s = await signer();
    const good = await signDigest(s);
    const cases: Uint8Array[] = [
      utf8('not json'),
      new Uint8Array([0xc3, 0x28]),
      utf8('[1,2]'),
      utf8('null'),
      encodeCanonical({ ...good, v: undefined }),
      encodeCanonical({ ...good, extra: 1 }),
      encodeCanonical({ ...good, epoch: -1 }),
      encodeCanonical({ ...good, epoch: 1.5 }),
      encodeCanonical({ ...good, peer: 'not-a-peer-id' }),
      encodeCanonical({ ...good, entries: [{ ...good.entries[0], contextKey: 'acme/billing' }] }),
      encodeCanonical({ ...good, entries: [{ ...good.entries[0], armKey: 'acme:1:builtin' }] }),
      encodeCanonical({ ...good, entries: [{ ...good.entries[0], sumQ: 99 }] }),
      encodeCanonical({ ...good, entries: [{ ...good.entries[0], sumQ2: good.entries[0].sumQ + 1 }] }),
      encodeCanonical({ ...good, entries: [...good.entries].reverse() }),
      encodeCanonical({ ...good, entries: [good.entries[0], good.entries[0]] }),
      encodeCanonical({ ...good, type: 'pattern' }),
    ];
    for (const bytes of cases) {
      const v = await validateDigest(bytes, { now: NOW });
      expect(v, new TextDecoder().decode(bytes).slice(0, 80)).toMatchObject({
        action: 'reject',
        reason: 'malformed',
      });
    }
  });

  it('rejects bytes that are not the canonical encoding', async () => {
    const d = await signDigest(await signer());
    const v = await validateDigest(utf8(JSON.stringify(d, null, 1)), { now: NOW });
    expect(v).toMatchObject({ action: 'reject', reason: 'non-canonical' });
  });

  it('rejects another payload version on this topic', async () => {
    const s = await signer();
    // 1: the digest version before `successes` left the wire
    for (const version of [0, 1, 3, '2']) {
      const d = await sign('digest', { ...unsignedDigest(s.id), v: version }, s.key);
      const v = await validateDigest(encodeCanonical(d), { now: NOW });
      expect(v).toMatchObject({ action: 'reject', reason: 'wrong-version' });
    }
  });

  it('rejects a bad signature: a field changed after signing, or signed by another key', async () => {
    const s = await signer();
    const other = await signer();
    const d = await signDigest(s);
    const tampered = { ...d, entries: [{ ...d.entries[0], n: d.entries[0].n + 100 }, d.entries[1]] };
    expect(await validateDigest(encodeCanonical(tampered), { now: NOW })).toMatchObject({
      action: 'reject',
      reason: 'bad-signature',
    });
    const forged = await sign('digest', unsignedDigest(s.id), other.key);
    expect(await validateDigest(encodeCanonical(forged), { now: NOW })).toMatchObject({
      action: 'reject',
      reason: 'bad-signature',
    });
    // a pattern signature never verifies as a digest (signature domains)
    const crossDomain = await sign('pattern', unsignedDigest(s.id), s.key);
    expect(await validateDigest(encodeCanonical(crossDomain), { now: NOW })).toMatchObject({
      action: 'reject',
      reason: 'bad-signature',
    });
  });

  it('rejects a digest gossiped by an author other than its peer', async () => {
    const s = await signer();
    const other = await signer();
    const v = await validateDigest(encodeCanonical(await signDigest(s)), { now: NOW, author: other.id });
    expect(v).toMatchObject({ action: 'reject', reason: 'publisher-mismatch' });
  });

  it('ignores replays: the same peer and epoch again, or an epoch older than the last', async () => {
    const s = await signer();
    const replay = createReplayGuard();
    const e7 = encodeCanonical(await signDigest(s, { epoch: 7 }));
    expect((await validateDigest(e7, { now: NOW, replay })).action).toBe('accept');
    expect(await validateDigest(e7, { now: NOW, replay })).toMatchObject({
      action: 'ignore',
      reason: 'replayed',
    });
    const e7again = encodeCanonical(await signDigest(s, { epoch: 7, at: NOW - 1000 }));
    expect(await validateDigest(e7again, { now: NOW, replay })).toMatchObject({
      action: 'ignore',
      reason: 'replayed',
    });
    const e6 = encodeCanonical(await signDigest(s, { epoch: 6 }));
    expect(await validateDigest(e6, { now: NOW, replay })).toMatchObject({
      action: 'ignore',
      reason: 'replayed',
    });
    const e8 = encodeCanonical(await signDigest(s, { epoch: 8 }));
    expect((await validateDigest(e8, { now: NOW, replay })).action).toBe('accept');
  });

  it('a forged digest does not advance the replay state of the peer it names', async () => {
    const s = await signer();
    const other = await signer();
    const replay = createReplayGuard();
    const forged = await sign('digest', unsignedDigest(s.id, { epoch: 1_000_000 }), other.key);
    expect((await validateDigest(encodeCanonical(forged), { now: NOW, replay })).action).toBe('reject');
    expect(replay.last(s.id)).toBeUndefined();
    expect((await validateDigest(encodeCanonical(await signDigest(s)), { now: NOW, replay })).action).toBe(
      'accept',
    );
  });

  it('ignores future-dated digests beyond the clock skew, and stale ones', async () => {
    const s = await signer();
    const future = encodeCanonical(await signDigest(s, { at: NOW + 61_000 }));
    expect(await validateDigest(future, { now: NOW })).toMatchObject({
      action: 'ignore',
      reason: 'future-dated',
    });
    const skewed = encodeCanonical(await signDigest(s, { at: NOW + 30_000 }));
    expect((await validateDigest(skewed, { now: NOW })).action).toBe('accept');
    const old = encodeCanonical(await signDigest(s, { at: NOW - 4 * 24 * 3600_000 }));
    expect(await validateDigest(old, { now: NOW })).toMatchObject({ action: 'ignore', reason: 'stale' });
  });

  it('accepts a digest dated with the start of an epoch of 24 h two epochs ago (built late, relayed late)', async () => {
    const s = await signer();
    const DAY = 24 * 3600_000;
    const epoch = Math.floor(NOW / DAY) - 2;
    const d = encodeCanonical(await signDigest(s, { epoch, at: epoch * DAY }));
    expect(NOW - epoch * DAY).toBeGreaterThan(2 * DAY);
    expect((await validateDigest(d, { now: NOW })).action).toBe('accept');
    // the age limit is the receiver's: configurable
    expect(await validateDigest(d, { now: NOW, maxAgeMs: DAY })).toMatchObject({ reason: 'stale' });
  });
});

describe('pattern announcement validator verdicts', () => {
  it('accepts a signed announcement', async () => {
    const s = await signer();
    const v = await validatePattern(encodeCanonical(await signPattern(s)), { now: NOW, author: s.id });
    expect(v.action).toBe('accept');
  });

  it('rejects oversized, malformed, wrong version, bad signature, wrong author', async () => {
    const s = await signer();
    const other = await signer();
    const a = await signPattern(s);
    expect(await validatePattern(new Uint8Array(LIMITS.patternBytes + 1), { now: NOW })).toMatchObject({
      reason: 'oversized',
    });
    for (const bad of [
      { ...a, cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' },
      { ...a, cid: 'bafkqaaa' },
      { ...a, name: '../etc' },
      { ...a, size: LIMITS.packBytes + 1 },
      { ...a, timestamp: 'yesterday' },
    ])
      expect(await validatePattern(encodeCanonical(bad), { now: NOW })).toMatchObject({
        reason: 'malformed',
      });
    expect(await validatePattern(encodeCanonical({ ...a, v: 3 }), { now: NOW })).toMatchObject({
      reason: 'wrong-version',
    });
    expect(
      await validatePattern(encodeCanonical({ ...a, cid: cidFor('other') }), { now: NOW }),
    ).toMatchObject({
      reason: 'bad-signature',
    });
    expect(await validatePattern(encodeCanonical(a), { now: NOW, author: other.id })).toMatchObject({
      reason: 'publisher-mismatch',
    });
  });

  it('ignores replays per publisher and pack name, future-dated and stale announcements', async () => {
    const s = await signer();
    const replay = createReplayGuard();
    const a = encodeCanonical(await signPattern(s));
    expect((await validatePattern(a, { now: NOW, replay })).action).toBe('accept');
    expect(await validatePattern(a, { now: NOW, replay })).toMatchObject({
      action: 'ignore',
      reason: 'replayed',
    });
    // another pack of the same publisher has its own sequence
    const b = encodeCanonical(await signPattern(s, { name: 'python-semconv', language: 'python' }));
    expect((await validatePattern(b, { now: NOW, replay })).action).toBe('accept');
    const newer = encodeCanonical(await signPattern(s, { timestamp: NOW + 1, version: '1.3.0' }));
    expect((await validatePattern(newer, { now: NOW, replay })).action).toBe('accept');
    const future = encodeCanonical(await signPattern(s, { timestamp: NOW + 3_600_000 }));
    expect(await validatePattern(future, { now: NOW })).toMatchObject({ reason: 'future-dated' });
    const stale = encodeCanonical(await signPattern(s, { timestamp: NOW - 31 * 24 * 3600_000 }));
    expect(await validatePattern(stale, { now: NOW })).toMatchObject({ reason: 'stale' });
  });

  it('signatures cover the canonical form, not the bytes: field order does not matter', async () => {
    const s = await signer();
    const a = await signPattern(s);
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    expect(canonicalJson(reordered)).toBe(canonicalJson(a));
    expect((await validatePattern(encodeCanonical(reordered), { now: NOW })).action).toBe('accept');
  });
});
