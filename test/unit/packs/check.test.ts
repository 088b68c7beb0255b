import { describe, expect, it } from 'vitest';
import { prototypeAccess } from '../../../node/packs/check.js';
import { builtinPacks, createPack } from '../../../node/packs/index.js';

const pack = (template: string) =>
  createPack(
    'name: p\nversion: 1.0.0\nlanguage: java\ndescription: x\nlicense: MIT\nfiles:\n  - { template: a.liquid, output: A.java }',
    { 'a.liquid': template },
    'test',
  );

describe('prototype access in templates', () => {
  it('finds a tag or output reaching for constructor, prototype or __proto__, with its line', () => {
    expect(prototypeAccess(pack('x\n{{ registry.constructor.name }}'))).toEqual({
      template: 'a.liquid',
      line: 2,
      word: 'constructor',
    });
    expect(prototypeAccess(pack('{% assign p = registry["__proto__"] %}'))?.word).toBe('__proto__');
    expect(prototypeAccess(pack('{%- for k in attr.prototype -%}{%- endfor -%}'))?.word).toBe('prototype');
    expect(prototypeAccess(pack('{{ a | map: "constructor" }}'))?.word).toBe('constructor');
  });

  it('leaves plain text alone (a Java constructor is code, not an access) and the built-in packs pass', async () => {
    expect(
      prototypeAccess(pack('/** the constructor */ public A() {}\n{{ a.constructors_count }}')),
    ).toBeUndefined();
    for (const p of await builtinPacks()) expect(prototypeAccess(p), p.manifest.name).toBeUndefined();
  });
});
