import { afterEach, describe, expect, it } from 'vitest';
import { createLearning } from '../../../node/learning/index.js';
import { type Arm, createOptimizer } from '../../../node/optimizer/index.js';
import { structurePriors } from '../../../node/optimizer/structure.js';
import { candidateSpan, TS_CONTEXT, tempStore } from '../learning/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

// a pack of 3 x 3 variants: `style` decides quality here, `layout` barely matters
const STYLES = ['good', 'fine', 'broken'];
const LAYOUTS = ['a', 'b', 'c'];
const variant = (style: string, layout: string, packId = 'cid-p'): Arm => ({
  key: `${packId}:${style}-${layout}:builtin`,
  packId,
  packName: 'p',
  language: 'typescript',
  params: { layout, style },
  paramsHash: `${style}-${layout}`,
  model: 'builtin',
  isDefault: style === 'fine' && layout === 'a',
});
const arms = STYLES.flatMap((s) => LAYOUTS.map((l) => variant(s, l)));
const Q: Record<string, number> = { good: 0.95, fine: 0.8, broken: 0.2 };

describe('structure priors', () => {
  it('predicts an untried variant from the values it shares with the tried ones', () => {
    // tried: every style on layout a, and the default style on layouts b and c
    const tried = new Map([
      [variant('fine', 'a').key, 5],
      [variant('good', 'a').key, 3],
      [variant('broken', 'a').key, 3],
      [variant('fine', 'b').key, 3],
      [variant('fine', 'c').key, 3],
    ]);
    const evidence = (a: Arm) => {
      const n = tried.get(a.key) ?? 0;
      return { n, sumQ: n * Q[a.params.style], sumQ2: 0 };
    };
    const p = structurePriors(arms, evidence, 1);
    const mean = (style: string, layout: string) => {
      const x = p.get(variant(style, layout).key);
      return (x?.sumQ ?? Number.NaN) / (x?.n ?? 1);
    };
    // never tried on layouts b and c: predicted from the style's showing on a and the layouts' on fine
    for (const layout of ['b', 'c']) {
      expect(mean('good', layout)).toBeGreaterThan(0.9);
      expect(mean('broken', layout)).toBeLessThan(0.5);
      expect(mean('good', layout)).toBeGreaterThan(mean('fine', layout));
      expect(mean('fine', layout)).toBeGreaterThan(mean('broken', layout));
    }
    // one pseudo-observation each, with a spread: a guess a few outcomes outweigh
    for (const x of p.values()) {
      expect(x.n).toBe(1);
      expect((x.sumQ2 ?? 0) - (x.sumQ * x.sumQ) / x.n).toBeGreaterThan(0);
    }
    // nothing known, or strength 0: nothing said
    expect(structurePriors(arms, () => ({ n: 0, sumQ: 0, sumQ2: 0 }), 1).size).toBe(0);
    expect(structurePriors(arms, evidence, 0).size).toBe(0);
    // another pack's evidence says nothing about this pack's variants
    const other = [variant('good', 'a', 'cid-q'), variant('broken', 'a', 'cid-q')];
    const mixed = structurePriors([...other, variant('fine', 'b')], (a) => evidence(a), 1);
    expect(mixed.has(variant('fine', 'b').key)).toBe(false);
  });

  it('makes the optimizer try the variants sharing good values first, and the broken ones last', async () => {
    // after a few outcomes of three variants, which untried variant does Thompson sampling draw?
    const draws = async (structure: number) => {
      let good = 0;
      let broken = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const { store, cleanup } = await tempStore();
        cleanups.push(cleanup);
        const learning = createLearning({ store });
        const optimizer = createOptimizer({ store, learning }, { seed, structure });
        const tried = [variant('fine', 'a'), variant('good', 'b'), variant('broken', 'c')];
        for (const a of tried)
          await learning.ingest([...Array(3)].map(() => candidateSpan(TS_CONTEXT, a, Q[a.params.style])));
        const untried = arms.filter((a) => !tried.includes(a));
        const pick = (await optimizer.choose(TS_CONTEXT, untried, 1)).chosen[0].arm.params.style;
        if (pick === 'good') good++;
        if (pick === 'broken') broken++;
      }
      return { good, broken };
    };
    const on = await draws(1);
    const off = await draws(0);
    // without it every untried variant is equally likely (a third each)
    expect(on.good).toBeGreaterThanOrEqual(28);
    expect(on.broken).toBeLessThanOrEqual(2);
    expect(off.good).toBeLessThan(24);
    expect(off.broken).toBeGreaterThan(4);
  });
});
