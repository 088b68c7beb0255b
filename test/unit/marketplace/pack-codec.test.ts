import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  cidOfBytes,
  type Decoded,
  MAX_PACK_WIRE_BYTES,
  packCid,
  packFromBytes,
  packToBytes,
} from '../../../marketplace/index.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import { builtinPacks, PACK_LIMITS } from '../../../node/packs/index.js';
import { reordered, samplePack, text, utf8 } from './helpers.js';

const reason = (d: Decoded) => (d.ok ? 'ok' : d.reason);
/** bytes of a hand-made {manifest, templates} document in the canonical encoding */
const doc = (manifest: unknown, templates: [string, string][]) =>
  utf8(canonicalJson({ manifest, templates }));

describe('pack codec', () => {
  it('round-trips every built-in pack; the bytes hash to the pack content id', async () => {
    const packs = await builtinPacks();
    expect(packs.length).toBeGreaterThanOrEqual(5);
    for (const p of packs) {
      const bytes = packToBytes(p);
      const d = packFromBytes(bytes, { origin: 'peer:x' });
      expect(reason(d), p.manifest.name).toBe('ok');
      if (!d.ok) continue;
      expect(d.cid).toBe(packCid(p));
      expect(cidOfBytes(bytes)).toBe(packCid(p));
      expect(d.pack.manifest).toEqual(p.manifest);
      expect(d.pack.templates).toEqual(p.templates);
      expect(d.pack.origin).toBe('peer:x');
      expect(packToBytes(d.pack)).toEqual(bytes);
    }
  });

  it('encodes deterministically whatever the template order', () => {
    const p = samplePack();
    expect(Object.keys(reordered(p).templates)).not.toEqual(Object.keys(p.templates));
    expect(packToBytes(reordered(p))).toEqual(packToBytes(p));
    expect(packToBytes({ ...p, manifest: { ...p.manifest } })).toEqual(packToBytes(p));
  });

  it('checks the content id before parsing: other bytes under an id are cid-mismatch', () => {
    const p = samplePack();
    const bytes = packToBytes(p);
    expect(reason(packFromBytes(bytes, { cid: packCid(p) }))).toBe('ok');
    const flipped = bytes.map((b, i) => (i === 30 ? b ^ 1 : b));
    expect(reason(packFromBytes(flipped, { cid: packCid(p) }))).toBe('cid-mismatch');
    expect(reason(packFromBytes(packToBytes(samplePack({ version: '9.0.0' })), { cid: packCid(p) }))).toBe(
      'cid-mismatch',
    );
    expect(reason(packFromBytes(bytes, { cid: 'not-a-cid' }))).toBe('cid-mismatch');
  });

  it('rejects oversized input with too-large before parsing it', () => {
    const p = samplePack();
    expect(reason(packFromBytes(packToBytes(p), { maxBytes: 100 }))).toBe('too-large');
    expect(reason(packFromBytes(new Uint8Array(MAX_PACK_WIRE_BYTES + 1)))).toBe('too-large');
    const big = 'x'.repeat(PACK_LIMITS.maxTemplateBytes + 1);
    const huge = packToBytes({ ...p, templates: { ...p.templates, 'big.liquid': big } });
    expect(reason(packFromBytes(huge))).toBe('too-large');
    const many: [string, string][] = Array.from({ length: PACK_LIMITS.maxTemplates + 1 }, (_, i) => [
      `t${i}`,
      '',
    ]);
    expect(reason(packFromBytes(doc(p.manifest, many)))).toBe('too-large');
  });

  it('rejects malformed bytes with a reason', () => {
    const p = samplePack();
    const good = JSON.parse(text(packToBytes(p)));
    const cases: [Uint8Array | unknown, string][] = [
      ['a string', 'malformed'],
      [new Uint8Array([0xff, 0xfe, 0x7b]), 'malformed'],
      [utf8('not json'), 'malformed'],
      [utf8('[]'), 'malformed'],
      [utf8('null'), 'malformed'],
      [utf8(JSON.stringify({ ...good, extra: 1 })), 'malformed'],
      [doc('manifest', good.templates), 'malformed'],
      [utf8(canonicalJson({ manifest: good.manifest, templates: { a: 'b' } })), 'malformed'],
      [doc(good.manifest, [['a', 'b', 'c']] as unknown as [string, string][]), 'malformed'],
      [doc(good.manifest, [['a', 1]] as unknown as [string, string][]), 'malformed'],
      [doc(good.manifest, [...good.templates, good.templates[0]]), 'malformed'],
      [doc({ ...good.manifest, name: 'Not A Name' }, good.templates), 'invalid-manifest'],
      [doc({ ...good.manifest, language: 'cobol' }, good.templates), 'invalid-manifest'],
      [doc(good.manifest, good.templates.slice(1)), 'missing-template'],
    ];
    for (const [bytes, want] of cases) expect(reason(packFromBytes(bytes)), String(want)).toBe(want);
  });

  it('rejects template paths that could escape a folder', () => {
    const p = samplePack();
    const m = JSON.parse(text(packToBytes(p))).manifest;
    for (const path of [
      '../x',
      '/etc/passwd',
      'a/../b',
      'a/./b',
      'a\\b',
      '',
      '.hidden',
      'a//b',
      'c:x',
      'a b',
    ])
      expect(reason(packFromBytes(doc(m, [...Object.entries(p.templates), [path, 'x']]))), path).toBe(
        'unsafe-path',
      );
  });

  it('does not take Object.prototype names for templates', () => {
    const p = samplePack();
    const m = JSON.parse(text(packToBytes(p))).manifest;
    const lying = { ...m, files: [...m.files, { template: 'constructor', output: 'x.ts' }] };
    expect(reason(packFromBytes(doc(lying, Object.entries(p.templates))))).toBe('missing-template');
  });

  it('accepts only the canonical encoding, so the hash of the bytes is the content id', () => {
    const p = samplePack();
    const canonical = text(packToBytes(p));
    const pretty = utf8(JSON.stringify(JSON.parse(canonical), null, 2));
    expect(reason(packFromBytes(pretty))).toBe('not-canonical');
    const unsorted = JSON.parse(canonical);
    unsorted.templates.reverse();
    expect(reason(packFromBytes(utf8(canonicalJson(unsorted))))).toBe('not-canonical');
    // a manifest that leaves out a default (kind) is the same pack, but not its canonical bytes
    const { kind: _kind, ...noKind } = unsorted.manifest;
    expect(reason(packFromBytes(doc(noKind, Object.entries(p.templates).sort())))).toBe('not-canonical');
  });

  it('never throws on hostile bytes: deep nesting, random bytes, random mutations', () => {
    const p = samplePack();
    const deep = `{"manifest":{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}},"templates":[]}`;
    expect(packFromBytes(utf8(deep))).toMatchObject({
      ok: false,
      reason: 'malformed',
      message: expect.stringMatching(/nested/),
    });
    // brackets inside strings are text, not nesting
    const p2 = samplePack({
      templates: { 'a.liquid': '['.repeat(100), 'index.ts.liquid': '', 'consts.ts.liquid': '' },
    });
    expect(reason(packFromBytes(packToBytes(p2)))).toBe('ok');
    expect(packFromBytes(utf8('['.repeat(1_000_000))).ok).toBe(false);
    expect(reason(packFromBytes(utf8('{"manifest":{"__proto__":{"x":1}},"templates":[]}')))).not.toBe('ok');

    const random = seededRandom(7);
    const good = packToBytes(p);
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      let bytes: Uint8Array;
      if (i % 4 === 0) bytes = Uint8Array.from({ length: Math.floor(random() * 300) }, () => random() * 256);
      else {
        bytes = good.slice(0, i % 7 === 0 ? Math.floor(random() * good.length) : good.length);
        for (let k = 0; k < 1 + (i % 3); k++)
          bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      }
      const d = packFromBytes(bytes);
      if (d.ok) {
        // a mutation inside a template can still be a valid pack: then it is that pack, with its own id
        accepted++;
        expect(d.cid).toBe(cidOfBytes(bytes));
        expect(packToBytes(d.pack)).toEqual(bytes);
      } else expect(d.message.length).toBeLessThan(400);
    }
    expect(accepted).toBeLessThan(2000);
  });
});
