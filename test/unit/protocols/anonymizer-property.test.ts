import { describe, expect, it } from 'vitest';
import { createAnonymizer, encodeCanonical, INITIAL_PRIVACY_STATE, sign } from '../../../protocols/index.js';
import { cidFor, seeded, signer } from './helpers.js';

/**
 * Property: whatever a project's registry, names, attribute ids, paths and code look like, none of
 * those strings ever appears in the bytes of the digest the node sends. A small seeded generator
 * (fast-check is not a dependency) builds a random project per seed and plants its strings in
 * every field of the arm statistics the anonymizer reads or could read.
 */
const SYLLABLES = [
  'zor',
  'qua',
  'blen',
  'vik',
  'tras',
  'mur',
  'pel',
  'dox',
  'yan',
  'fru',
  'gli',
  'sto',
  'wex',
];

function project(random: () => number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const word = (min = 2) =>
    Array.from({ length: min + Math.floor(random() * 2) }, () => pick(SYLLABLES)).join('');
  const Word = () => {
    const w = word();
    return w[0].toUpperCase() + w.slice(1);
  };
  const name = `${word()}-${word()}`;
  const registry = `${word()}-semconv`;
  const attributes = Array.from({ length: 4 }, () => `${word()}.${word()}_${word()}`);
  const paths = [
    `/home/${word()}/${name}/src/${word()}.ts`,
    `C:\\Users\\${Word()}\\${name}\\gen\\${word()}.py`,
    `./${registry}/model/${word()}.yaml`,
  ];
  const code = [
    `export const ${Word().toUpperCase()}_${word().toUpperCase()} = '${attributes[0]}';`,
    `def ${word()}_${word()}(span): span.set_attribute("${attributes[1]}", ${Math.floor(random() * 1000)})`,
    `/** ${Word()} ${word()} ${word()} */`,
  ];
  const metric = `${word()}.${word()}.duration`;
  return {
    name,
    registry,
    attributes,
    paths,
    code,
    metric,
    secrets: [name, registry, metric, ...attributes, ...paths, ...code],
  };
}

describe('anonymizer property: project strings never reach the wire', () => {
  it('holds for 300 random projects', async () => {
    const s = await signer();
    let released = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const random = seeded(seed);
      const p = project(random);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
      const secret = () => pick(p.secrets);
      const good = (i: number) => `${cidFor(`${seed}-${i}`)}:0123456789ab:builtin`;
      const base = (i: number, n: number) => ({
        // what node/learning's ArmStats carries besides the released fields
        packId: cidFor(`${seed}-${i}`),
        packName: p.name,
        params: { [p.attributes[0]]: p.paths[0], registry: p.registry, snippet: p.code[0] },
        paramsHash: '0123456789ab',
        model: 'builtin',
        compileFailures: 1,
        firstAt: 1,
        lastAt: 2,
        evidence: [p.paths[1], p.code[1], secret()],
        contextKey: 'python|builtin|s|e1t0d1m0',
        armKey: good(i),
        n,
        sumQ: n * 0.75,
        sumQ2: n * 0.6,
        successes: Math.floor(n / 2),
      });
      const stats = [
        base(0, 20 + Math.floor(random() * 100)),
        base(1, 6 + Math.floor(random() * 100)),
        { ...base(2, 30), contextKey: `${secret()}|builtin|s|e1t0d1m0` },
        { ...base(3, 30), contextKey: `python|builtin|s|e1t0d1m0|${secret()}` },
        { ...base(4, 30), contextKey: secret() },
        { ...base(5, 30), armKey: `${secret()}:0123456789ab:builtin` },
        { ...base(6, 30), armKey: `${cidFor('z')}:${secret()}:builtin` },
        { ...base(7, 30), armKey: `${cidFor('y')}:0123456789ab:${secret()}` },
        { ...base(8, 30), armKey: `${cidFor('y')}:0123456789ab:ollama:${secret()}/${secret()}` },
        { ...base(9, 30), armKey: secret() },
        { ...base(10, 2), armKey: good(10) },
      ];
      const a = createAnonymizer({ epsilon: 0.5 + random() * 4, random });
      const r = a.build(stats, { now: 1_700_000_000_000 + seed, state: INITIAL_PRIVACY_STATE });
      if (!r.ok) continue;
      released += r.digest.entries.length;
      const wire = new TextDecoder().decode(
        encodeCanonical(await sign('digest', { ...r.digest, peer: s.id }, s.key)),
      );
      for (const x of p.secrets) {
        expect(wire.includes(x), `seed ${seed}: "${x}" leaked`).toBe(false);
        expect(
          wire.toLowerCase().includes(x.toLowerCase()),
          `seed ${seed}: "${x}" leaked (case-folded)`,
        ).toBe(false);
      }
      // only the well-formed arms can ever be released (good(10), with n = 2, only when its
      // noised n reaches k: the threshold is on the noised count)
      for (const e of r.digest.entries) expect([good(0), good(1), good(10)]).toContain(e.armKey);
      expect(wire.includes('successes')).toBe(false);
    }
    // not vacuous: most seeds released something
    expect(released).toBeGreaterThan(300);
  });
});
