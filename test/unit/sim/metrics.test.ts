import { describe, expect, it } from 'vitest';
import type { PeerDigest } from '../../../marketplace/index.js';
import { rolesFor } from '../../../sim/index.js';
import {
  firstWithin,
  generationsUntilWithin,
  inScenario,
  kendallTau,
  means,
  plainPool,
  plainPriors,
  sybilShare,
  sybilsFor,
  topChoice,
} from '../../../sim/metrics.js';

const scores = (xs: number[]) => new Map(xs.map((x, i) => [`arm${i}`, x]));

describe('kendallTau', () => {
  it('is 1 for identical rankings and -1 for reversed ones', () => {
    expect(kendallTau(scores([0.9, 0.8, 0.7, 0.1]), scores([0.9, 0.8, 0.7, 0.1]))).toBe(1);
    // same order, other values
    expect(kendallTau(scores([0.9, 0.8, 0.7, 0.1]), scores([10, 5, 2, 1]))).toBe(1);
    expect(kendallTau(scores([0.9, 0.8, 0.7, 0.1]), scores([0.1, 0.7, 0.8, 0.9]))).toBe(-1);
  });

  it('counts one swapped pair among four items as (5 - 1) / 6', () => {
    expect(kendallTau(scores([4, 3, 2, 1]), scores([4, 3, 1, 2]))).toBeCloseTo(4 / 6, 12);
  });

  it('uses only the items both sides score, and tau-b for ties', () => {
    const a = new Map([
      ['x', 3],
      ['y', 2],
      ['z', 1],
      ['only-a', 9],
    ]);
    const b = new Map([
      ['x', 3],
      ['y', 2],
      ['z', 1],
      ['only-b', 0],
    ]);
    expect(kendallTau(a, b)).toBe(1);
    // a tie on one side: C = 2, D = 0, tiesB = 1 -> 2 / sqrt(3 * 2)
    expect(kendallTau(scores([3, 2, 1]), scores([3, 2, 2]))).toBeCloseTo(2 / Math.sqrt(6), 12);
  });

  it('is NaN with fewer than two common items', () => {
    expect(kendallTau(scores([1]), scores([1]))).toBeNaN();
    expect(kendallTau(new Map([['a', 1]]), new Map([['b', 1]]))).toBeNaN();
  });
});

describe('generations until within 5% of the best', () => {
  const best = [1, 1, 1, 1, 1, 1];
  it('counts from the first generation after which every one is within 5%', () => {
    // 0.94 at generation 3 is outside; from generation 4 on all are within
    expect(generationsUntilWithin([0.9, 0.96, 0.94, 0.97, 0.99, 1], best)).toBe(4);
    // an early lucky generation does not count: the node must stay
    expect(firstWithin([0.9, 0.96, 0.94, 0.97, 0.99, 1], best)).toBe(2);
  });

  it('is 1 when all are within, length + 1 when the last is not', () => {
    expect(generationsUntilWithin([0.95, 0.99, 1, 1, 1, 1], best)).toBe(1);
    expect(generationsUntilWithin([1, 1, 1, 1, 1, 0.9], best)).toBe(7);
    expect(firstWithin([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], best)).toBe(7);
  });

  it('is relative to each generation’s best (contexts differ)', () => {
    // 0.76 is within 5% of 0.8, 0.9 is not within 5% of 1
    expect(generationsUntilWithin([0.9, 0.76, 0.76], [1, 0.8, 0.8])).toBe(2);
    expect(() => generationsUntilWithin([1], [1, 1])).toThrow();
  });
});

describe('sybil shares', () => {
  it('splits 100 nodes into 2 new nodes, 59 honest publishers and 39 sybils, 15 of them in the 20% scenario', () => {
    const r = rolesFor(100, 2, 1);
    expect(r.roles.filter((x) => x === 'newcomer')).toHaveLength(2);
    expect(r.roles.filter((x) => x === 'honest')).toHaveLength(59);
    expect(r.roles.filter((x) => x === 'sybil')).toHaveLength(39);
    expect(r.s20).toBe(15);
    expect(sybilShare(r.honest, r.s20)).toBeCloseTo(15 / 74, 12);
    expect(Math.abs(sybilShare(r.honest, r.s20) - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(sybilShare(r.honest, r.sybils) - 0.4)).toBeLessThan(0.01);
    // one new node in each half, so both processes host one
    const newcomers = r.roles.flatMap((x, i) => (x === 'newcomer' ? [i] : []));
    expect(newcomers.some((i) => i < 50) && newcomers.some((i) => i >= 50)).toBe(true);
    // the sybil ranks are 0..38, each once
    expect(
      r.rank
        .filter((x) => x >= 0)
        .sort((a, b) => a - b)
        .join(','),
    ).toBe(Array.from({ length: 39 }, (_, i) => i).join(','));
  });

  it('counts digests by author in each scenario', () => {
    const r = rolesFor(100, 2, 1);
    const authors = r.roles.map((role, i) => ({ role, rank: r.rank[i] }));
    const count = (s: 'honest' | 's20' | 's40') => authors.filter((a) => inScenario(a, s, r.s20));
    expect(count('honest')).toHaveLength(59);
    expect(count('s20')).toHaveLength(74);
    expect(count('s40')).toHaveLength(98);
    const sybilsIn = (s: 'honest' | 's20' | 's40') => count(s).filter((a) => a.role === 'sybil').length;
    expect(sybilsIn('s20') / count('s20').length).toBeCloseTo(sybilShare(59, 15), 12);
    expect(inScenario(undefined, 's40', 15)).toBe(false);
    expect(sybilsFor(60, 0.2)).toBe(15);
    expect(sybilsFor(60, 0.4)).toBe(40);
    expect(sybilShare(0, 0)).toBe(0);
  });
});

describe('plain mean and top choice', () => {
  const digest = (peer: string, entries: [string, number, number][]): PeerDigest => ({
    peer,
    epoch: 1,
    entries: entries.map(([armKey, n, sumQ]) => ({ contextKey: 'c', armKey, n, sumQ, sumQ2: sumQ })),
  });

  it('pools every entry (sum q / sum n) with no weights, and scales priors to the cap', () => {
    const pool = plainPool(
      [
        digest('honest', [
          ['good', 10, 9],
          ['bad', 10, 3],
        ]),
        digest('sybil', [
          ['good', 30, 9],
          ['bad', 30, 29.1],
        ]),
        { peer: 'other', epoch: 1, entries: [{ contextKey: 'other', armKey: 'good', n: 5, sumQ: 0 }] },
      ],
      'c',
    );
    expect(means(pool).get('good')).toBeCloseTo(18 / 40, 12);
    expect(means(pool).get('bad')).toBeCloseTo(32.1 / 40, 12);
    const priors = plainPriors(pool, 20);
    expect(priors.good.n).toBeCloseTo(20, 12);
    expect(priors.good.sumQ / priors.good.n).toBeCloseTo(18 / 40, 12);
  });

  it('takes the arm of highest posterior mean, local evidence included', () => {
    const arms = [{ key: 'a' }, { key: 'b' }];
    const priors = { a: { n: 20, sumQ: 19 }, b: { n: 20, sumQ: 10 } };
    expect(topChoice(arms, undefined, priors)).toBe('a');
    const local = new Map([['a', { n: 60, sumQ: 12, sumQ2: 3 }]]);
    expect(topChoice(arms, local, priors)).toBe('b');
  });
});
