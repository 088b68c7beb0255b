import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_SEEDS, parseSeeds, REPORT_SEEDS } from '../../../bench/learning.js';
import { defaultsPolicy, oraclePolicy, runPolicy, uniformPolicy } from '../../../bench/learning-policies.js';
import { drawOutcome, drawWorld } from '../../../bench/learning-world.js';

describe('the learning bench world', () => {
  it('is drawn from its seed alone, and every policy sees the same outcome of an arm in a generation', async () => {
    const a = await drawWorld(2, 40);
    const b = await drawWorld(2, 40);
    expect(b.contexts.map((c) => c.key)).toEqual(a.contexts.map((c) => c.key));
    expect(b.sequence).toEqual(a.sequence);
    expect([...b.contexts[0].hidden.values()]).toEqual([...a.contexts[0].hidden.values()]);
    expect((await drawWorld(3, 40)).contexts.map((c) => c.key)).not.toEqual(a.contexts.map((c) => c.key));
    const c = a.contexts[a.sequence[0]];
    const arm = c.arms[3];
    expect(drawOutcome(a, 5, c, arm)).toEqual(drawOutcome(b, 5, b.contexts[a.sequence[0]], arm));
    expect(drawOutcome(a, 5, c, arm)).not.toEqual(drawOutcome(a, 6, c, arm));
  });

  it('has hidden qualities in [0, 1], free templates, priced models, and defaults that are not always best', async () => {
    let notBest = 0;
    let failing = 0;
    for (const seed of DEVELOPMENT_SEEDS) {
      const w = await drawWorld(seed, 10);
      for (const c of w.contexts) {
        for (const arm of c.arms) {
          const h = c.hidden.get(arm.key);
          expect(h?.q).toBeGreaterThanOrEqual(0);
          expect(h?.q).toBeLessThanOrEqual(1);
          if (arm.model === 'builtin') expect(h?.cost).toBe(0);
          else expect(h?.cost).toBeGreaterThan(0);
        }
        const def = c.arms.find((a) => a.model === 'builtin' && a.isDefault);
        if (def && c.best !== def) notBest++;
        if ((def && c.hidden.get(def.key)?.failRate) === 1) failing++;
      }
    }
    expect(notBest).toBeGreaterThan(0);
    expect(failing).toBeGreaterThan(0);
  });

  it('scores the baselines on the same traffic: the oracle has no regret, and the others do', async () => {
    const w = await drawWorld(4, 60);
    const oracle = await runPolicy(w, oraclePolicy('best'), 0.9, 20);
    const defaults = await runPolicy(w, defaultsPolicy(), 0.9, 20);
    const uniform = await runPolicy(w, uniformPolicy(w.seed, 2), 0.9, 20);
    expect(oracle.regret).toBe(0);
    expect(oracle.candidates).toBe(60);
    expect(defaults.regret).toBeGreaterThan(0);
    expect(uniform.regret).toBeGreaterThan(0);
    expect(oracle.regretCurve).toHaveLength(3);
    expect(defaults.firstSight.generations).toBe(new Set(w.sequence).size);
  });

  it('reports on seeds apart from the development ones', () => {
    expect(REPORT_SEEDS.some((s) => DEVELOPMENT_SEEDS.includes(s))).toBe(false);
    expect(parseSeeds('1001-1003,7')).toEqual([1001, 1002, 1003, 7]);
    expect(parseSeeds(undefined)).toBeUndefined();
    expect(() => parseSeeds('a-b')).toThrow(/not a seed list/);
  });
});
