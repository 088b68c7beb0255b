import { describe, expect, it } from 'vitest';
import { contextDistance, createRatings, type PeerDigest } from '../../../marketplace/index.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import { shuffle } from './helpers.js';

// a context nobody reports, its neighbours one and two steps away, and contexts that are not neighbours
const HERE = 'python|builtin|s|e1t0d1m0';
const SIZE_STEP = 'python|builtin|m|e1t0d1m0';
const FLAG_STEP = 'python|builtin|s|e1t0d1m1';
const TWO_STEPS = 'python|builtin|l|e1t0d1m0';
const FAR = 'python|builtin|xl|e0t1d1m0';
const OTHER_LANGUAGE = 'go|builtin|s|e1t0d1m0';
const A = 'bafkreiaaa:0123456789ab:builtin';
const B = 'bafkreibbb:0123456789ab:builtin';

const e = (contextKey: string, armKey: string, n: number, q: number) => ({
  contextKey,
  armKey,
  n,
  sumQ: n * q,
  sumQ2: n * q * q,
});
const digest = (peer: string, entries: ReturnType<typeof e>[]): PeerDigest => ({ peer, epoch: 1, entries });

describe('back-off to neighbouring contexts', () => {
  it('measures steps by size bucket and feature flags, never across languages or generators', () => {
    expect(contextDistance(HERE, HERE)).toBe(0);
    expect(contextDistance(HERE, SIZE_STEP)).toBe(1);
    expect(contextDistance(HERE, FLAG_STEP)).toBe(1);
    expect(contextDistance(HERE, TWO_STEPS)).toBe(2);
    expect(contextDistance(HERE, FAR)).toBe(5);
    expect(contextDistance(HERE, OTHER_LANGUAGE)).toBeUndefined();
    expect(contextDistance(HERE, 'python|ollama|s|e1t0d1m0')).toBeUndefined();
    expect(contextDistance(HERE, 'not a context')).toBeUndefined();
  });

  it("gives a context nobody reports its neighbours' evidence, discounted by distance and capped", () => {
    const r = createRatings();
    for (const p of ['p1', 'p2', 'p3'])
      r.add(digest(p, [e(SIZE_STEP, A, 20, 0.9), e(TWO_STEPS, B, 20, 0.6)]));
    const p = r.priorsFor(HERE, [A, B]);
    // one step: half of what the neighbour holds, up to the cap of 10 pseudo-observations
    expect(p[A].n).toBeCloseTo(10, 9);
    expect(p[A].neighbourN).toBeCloseTo(10, 9);
    expect(p[A].sumQ / p[A].n).toBeCloseTo(0.9, 9);
    expect(p[A].support).toBeCloseTo(1, 9);
    // two steps: a quarter
    const held = r.priorsFor(TWO_STEPS, [B])[B].n;
    expect(p[B].n).toBeCloseTo(Math.min(10, held / 4), 9);
    expect(p[B].sumQ / p[B].n).toBeCloseTo(0.6, 9);
    // too far, another language: nothing
    expect(r.priorsFor(FAR, [A, B])).toEqual({});
    expect(r.priorsFor(OTHER_LANGUAGE, [A, B])).toEqual({});
    // and off when asked
    expect(r.priorsFor(HERE, [A, B], 1, { backoff: false })).toEqual({});
    expect(createRatings({}, { backoff: false }).priorsFor(HERE, [A])).toEqual({});
  });

  it("tops up thin evidence only: the context's own reports come first and are not diluted", () => {
    const r = createRatings();
    for (const p of ['p1', 'p2', 'p3']) r.add(digest(p, [e(HERE, A, 20, 0.5), e(SIZE_STEP, A, 20, 0.95)]));
    const own = r.priorsFor(HERE, [A], 1, { backoff: false })[A];
    const p = r.priorsFor(HERE, [A])[A];
    expect(own.n).toBeGreaterThanOrEqual(10);
    expect(p).toEqual(own);
    // a thin own report is topped up to the cap, its own evidence kept whole
    const thin = createRatings();
    for (const peer of ['p1', 'p2', 'p3']) thin.add(digest(peer, [e(SIZE_STEP, A, 20, 0.95)]));
    thin.add(digest('p4', [e(HERE, A, 2, 0.5)]));
    const mine = thin.priorsFor(HERE, [A], 1, { backoff: false })[A];
    const topped = thin.priorsFor(HERE, [A])[A];
    expect(topped.n).toBeCloseTo(10, 9);
    expect(topped.neighbourN).toBeCloseTo(10 - mine.n, 9);
    expect(topped.sumQ).toBeCloseTo(mine.sumQ + (10 - mine.n) * 0.95, 9);
  });

  it('pools each neighbour as the context itself: trust, the robust clip and support hold there too', () => {
    // three honest peers and one liar in the neighbour: the liar is clipped there, so also here
    const r = createRatings({ weightOf: (p) => (p === 'liar' ? 0.1 : 1) });
    for (const p of ['p1', 'p2', 'p3'])
      r.add(digest(p, [e(SIZE_STEP, A, 20, 0.8), e(SIZE_STEP, B, 20, 0.8)]));
    r.add(digest('liar', [e(SIZE_STEP, A, 20, 0.0), e(SIZE_STEP, B, 20, 1.0)]));
    const there = r.priorsFor(SIZE_STEP, [A, B]);
    const here = r.priorsFor(HERE, [A, B]);
    for (const arm of [A, B])
      expect(here[arm].sumQ / here[arm].n).toBeCloseTo(there[arm].sumQ / there[arm].n, 9);
    // an arm only a light minority vouches for in the neighbour keeps its low support here
    const minority = createRatings();
    for (const p of ['p1', 'p2', 'p3', 'p4']) minority.add(digest(p, [e(SIZE_STEP, A, 20, 0.8)]));
    minority.add(digest('p5', [e(SIZE_STEP, B, 20, 0.99)]));
    const support = minority.priorsFor(SIZE_STEP, [B])[B].support ?? 1;
    expect(support).toBeLessThan(0.5);
    expect(minority.priorsFor(HERE, [B])[B].support).toBeCloseTo(support, 9);
  });

  it('is order-independent: any arrival order gives the same priors, bit for bit', () => {
    const digests = Array.from({ length: 12 }, (_, i) =>
      digest(`p${i}`, [
        e([SIZE_STEP, FLAG_STEP, TWO_STEPS][i % 3], A, 5 + i, 0.5 + i / 40),
        e([FLAG_STEP, TWO_STEPS, SIZE_STEP][i % 3], B, 7 + i, 0.9 - i / 50),
      ]),
    );
    const random = seededRandom(7);
    const priors = (order: PeerDigest[]) => {
      const r = createRatings();
      for (const d of order) r.add(d);
      return r.priorsFor(HERE, [A, B]);
    };
    const first = priors(digests);
    for (let i = 0; i < 5; i++) expect(priors(shuffle([...digests, ...digests], random))).toEqual(first);
  });
});
