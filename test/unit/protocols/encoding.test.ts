import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  Digest,
  decodeJson,
  decodeMessage,
  decodePackRequest,
  decodePackResponseHeader,
  EncodingError,
  encodeCanonical,
  LIMITS,
  PatternAnnouncement,
} from '../../../protocols/index.js';
import { cidFor, signDigest, signer, signPattern } from './helpers.js';

describe('canonical encoding', () => {
  it('sorts keys at every level, drops undefined, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson(-0)).toBe('0');
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(EncodingError);
    expect(() => canonicalJson({ x: Number.POSITIVE_INFINITY })).toThrow(EncodingError);
    expect(() => canonicalJson({ x: 1n })).toThrow(EncodingError);
  });

  it('the same message gives the same bytes whatever order its fields were built in', async () => {
    const s = await signer();
    const d = await signDigest(s);
    const shuffled = Object.fromEntries(Object.entries(d).reverse());
    expect(encodeCanonical(shuffled)).toEqual(encodeCanonical(d));
  });

  it('decodeJson checks the size before parsing and reports canonical form', () => {
    expect(decodeJson(new Uint8Array(11), 10)).toMatchObject({ ok: false, reason: 'oversized' });
    expect(decodeJson(new Uint8Array([0xff, 0xfe]), 10)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeJson(new TextEncoder().encode('{"a":'), 10)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(decodeJson(new TextEncoder().encode('{"a":1}'), 10)).toMatchObject({ ok: true, canonical: true });
    expect(decodeJson(new TextEncoder().encode('{ "a": 1 }'), 20)).toMatchObject({
      ok: true,
      canonical: false,
    });
  });
});

describe('schemas round-trip through the encoding', () => {
  it('digest', async () => {
    const d = await signDigest(await signer());
    const back = decodeMessage(Digest, encodeCanonical(d), LIMITS.digestBytes);
    expect(back).toEqual({ action: 'accept', value: d });
  });

  it('pattern announcement', async () => {
    const a = await signPattern(await signer());
    expect(decodeMessage(PatternAnnouncement, encodeCanonical(a), LIMITS.patternBytes)).toEqual({
      action: 'accept',
      value: a,
    });
  });

  it('pack request and response header', async () => {
    const req = { v: 1, type: 'pack-request', cid: cidFor('x') };
    expect(decodePackRequest(encodeCanonical(req))).toEqual({ action: 'accept', value: req });
    const a = await signPattern(await signer());
    const ok = { v: 1, type: 'pack-response', status: 'ok', announcement: a };
    expect(decodePackResponseHeader(encodeCanonical(ok))).toEqual({ action: 'accept', value: ok });
    const nf = { v: 1, type: 'pack-response', status: 'not-found' };
    expect(decodePackResponseHeader(encodeCanonical(nf))).toEqual({ action: 'accept', value: nf });
    // ok without the announcement is not a valid header
    expect(decodePackResponseHeader(encodeCanonical({ ...nf, status: 'ok' }))).toMatchObject({
      action: 'reject',
      reason: 'malformed',
    });
    expect(decodePackRequest(encodeCanonical({ ...req, cid: 'QmNotV1' }))).toMatchObject({
      action: 'reject',
    });
  });

  it('a digest of the maximum entry count, each as long as allowed, fits the byte cap', async () => {
    const s = await signer();
    const model = `anthropic:${'m'.repeat(70)}`; // the longest model id the wire allows (80)
    const entries = Array.from({ length: LIMITS.digestEntries }, (_, i) => ({
      contextKey: 'typescriptxxxxxx|anthropicxxxxxxx|xl|e1t1d1m1',
      armKey: `${cidFor(String(i))}:0123456789ab:${model}`,
      n: 123_456_789,
      sumQ: 98_765_432.12,
      sumQ2: 87_654_321.99,
    })).sort((a, b) => (a.armKey < b.armKey ? -1 : 1));
    const d = await signDigest(s, { entries });
    expect(decodeMessage(Digest, encodeCanonical(d), Number.MAX_SAFE_INTEGER).action).toBe('accept');
    expect(encodeCanonical(d).byteLength).toBeLessThanOrEqual(LIMITS.digestBytes);
  });
});
