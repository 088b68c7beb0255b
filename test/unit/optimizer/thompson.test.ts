import { afterEach, describe, expect, it } from 'vitest';
import { contextKey } from '../../../node/learning/context.js';
import { createLearning } from '../../../node/learning/index.js';
import {
  type Arm,
  createOptimizer,
  posterior,
  probabilityBetter,
  seededRandom,
} from '../../../node/optimizer/index.js';
import { candidateSpan, TS_CONTEXT, tempStore } from '../learning/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const fakeArm = (name: string, isDefault = false): Arm => ({
  key: `cid-${name}:h-${name}:builtin`,
  packId: `cid-${name}`,
  packName: name,
  language: 'typescript',
  params: {},
  paramsHash: `h-${name}`,
  model: 'builtin',
  isDefault,
});

async function setup(init: Parameters<typeof createOptimizer>[1] = {}) {
  const { store, cleanup } = await tempStore();
  cleanups.push(cleanup);
  const learning = createLearning({ store });
  return { store, learning, optimizer: createOptimizer({ store, learning }, init) };
}

describe('posterior', () => {
  it('starts wide from one uniform pseudo-observation and narrows with steady evidence', () => {
    const p0 = posterior(undefined);
    expect(p0.mean).toBe(0.5);
    expect(p0.sd).toBeCloseTo(Math.sqrt(1 / 12), 12);
    const p1 = posterior({ n: 1, sumQ: 1, sumQ2: 1 });
    expect(p1.mean).toBeCloseTo(0.75, 12);
    expect(p1.sd).toBeCloseTo(Math.sqrt(1 / 12 / 2 / 2), 12);
    const steady = posterior({ n: 20, sumQ: 19.8, sumQ2: 20 * 0.99 ** 2 });
    const noisy = posterior({ n: 20, sumQ: 19.8, sumQ2: 10 * 0.79 ** 2 + 10 * 1.19 ** 2 });
    expect(steady.sd).toBeLessThan(noisy.sd / 3);
    expect(posterior({ n: 200, sumQ: 198, sumQ2: 200 * 0.99 ** 2 }).sd).toBeLessThan(0.004);
    expect(probabilityBetter(steady, posterior({ n: 20, sumQ: 18, sumQ2: 20 * 0.9 ** 2 }))).toBeGreaterThan(
      0.99,
    );
    // priors are pseudo-counts
    expect(posterior(undefined, [{ n: 9, sumQ: 9 }])).toMatchObject({ mean: 0.95, n: 0, priorN: 9 });
  });
});

describe('Thompson sampling', () => {
  it('concentrates on the better of two arms in a simulated problem', async () => {
    const { learning, optimizer } = await setup({ seed: 42 });
    const good = fakeArm('good');
    const bad = fakeArm('bad');
    const noise = seededRandom(7);
    const truth: Record<string, number> = { [good.key]: 0.9, [bad.key]: 0.75 };
    const picks: string[] = [];
    for (let i = 0; i < 150; i++) {
      const { chosen } = await optimizer.choose(TS_CONTEXT, [bad, good], 1);
      const a = chosen[0].arm;
      picks.push(a.key);
      const q = truth[a.key] + (noise() - 0.5) * 0.2;
      await learning.ingest([candidateSpan(TS_CONTEXT, a, q)]);
    }
    const late = picks.slice(-100).filter((k) => k === good.key).length;
    expect(late).toBeGreaterThanOrEqual(90);
    // it did explore the other arm before settling
    expect(picks.filter((k) => k === bad.key).length).toBeGreaterThanOrEqual(2);
    const stats = await learning.armStats(TS_CONTEXT);
    expect(stats.find((s) => s.armKey === good.key)?.n).toBeGreaterThan(120);
  });

  it('is reproducible with a seeded random, and returns k distinct arms with the alternatives and reasons', async () => {
    const arms = ['a', 'b', 'c', 'd', 'e'].map((n) => fakeArm(n));
    const run = async () => {
      const { optimizer } = await setup({ seed: 3 });
      const out = [];
      for (let i = 0; i < 5; i++)
        out.push((await optimizer.choose(TS_CONTEXT, [...arms, arms[0]], 3)).chosen.map((c) => c.arm.key));
      return out;
    };
    expect(await run()).toEqual(await run());

    const { optimizer } = await setup({ seed: 3 });
    const choice = await optimizer.choose(TS_CONTEXT, arms, 3);
    expect(choice.context).toBe(contextKey(TS_CONTEXT));
    expect(new Set(choice.chosen.map((c) => c.arm.key)).size).toBe(3);
    expect(choice.alternatives).toHaveLength(2);
    const draws = [...choice.chosen, ...choice.alternatives].map((c) => c.sample);
    expect(draws).toEqual([...draws].sort((x, y) => y - x));
    for (const c of choice.chosen) expect(c.reason).toMatch(/^(exploit|explore): /);
    for (const c of choice.alternatives) expect(c.reason).toMatch(/^not chosen: /);
    expect(choice.chosen[0]).toMatchObject({ n: 0, priorN: 0, mean: 0.5 });
    expect((await optimizer.choose(TS_CONTEXT, arms, 9)).chosen).toHaveLength(5);
    await expect(optimizer.choose(TS_CONTEXT, [], 1)).rejects.toMatchObject({ code: 'OPTIMIZER_NO_ARMS' });
    await expect(optimizer.choose(TS_CONTEXT, arms, 0)).rejects.toMatchObject({ code: 'OPTIMIZER_BAD_K' });
  });

  it('lets priors (peers digests, discounted) shift the first choices', async () => {
    const x = fakeArm('x');
    const y = fakeArm('y');
    const firstPicks = async (priors?: Record<string, { n: number; sumQ: number }>) => {
      let ys = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const { optimizer } = await setup({ seed });
        if ((await optimizer.choose(TS_CONTEXT, [x, y], 1, { priors })).chosen[0].arm.key === y.key) ys++;
      }
      return ys;
    };
    const without = await firstPicks();
    const withPriors = await firstPicks({ [y.key]: { n: 8, sumQ: 7.6 }, [x.key]: { n: 8, sumQ: 4 } });
    expect(without).toBeGreaterThan(10);
    expect(without).toBeLessThan(30);
    expect(withPriors).toBeGreaterThanOrEqual(38);
    // a per-call random overrides the optimizer's
    const { optimizer } = await setup({ seed: 1 });
    const c = await optimizer.choose(TS_CONTEXT, [x, y], 1, {
      priors: { [y.key]: { n: 8, sumQ: 7.6 } },
      random: seededRandom(99),
    });
    expect(c.chosen[0]).toMatchObject({ priorN: 8 });
  });

  it('backs off to the same arm in other contexts of the language, until local evidence speaks', async () => {
    const x = fakeArm('x');
    const y = fakeArm('y');
    const elsewhere = { ...TS_CONTEXT, sizeBucket: 'xl' as const };
    const picksY = async (backoff: number) => {
      let ys = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const { learning, optimizer } = await setup({ seed, backoff });
        await learning.ingest([...Array(10)].map(() => candidateSpan(elsewhere, y, 0.95)));
        await learning.ingest([...Array(10)].map(() => candidateSpan(elsewhere, x, 0.4)));
        if ((await optimizer.choose(TS_CONTEXT, [x, y], 1)).chosen[0].arm.key === y.key) ys++;
      }
      return ys;
    };
    expect(await picksY(2)).toBeGreaterThanOrEqual(25);
    const off = await picksY(0);
    expect(off).toBeLessThan(25);
  });
});
