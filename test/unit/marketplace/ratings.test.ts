import { describe, expect, it } from 'vitest';
import { createRatings, type PeerDigest, type Ratings } from '../../../marketplace/index.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import { posterior, thompsonRank } from '../../../node/optimizer/thompson.js';
import { shuffle } from './helpers.js';

const CTX = 'typescript|builtin|s|e1t1d0m1';
const OTHER = 'python|builtin|m|e1t0d0m0';
const A = 'bafkreiaaa:0123456789ab:builtin';
const B = 'bafkreibbb:0123456789ab:builtin';
const A2 = 'bafkreiaaa:ba9876543210:builtin';

/** a digest entry with n observations at mean q (and no spread) */
const e = (contextKey: string, armKey: string, n: number, q: number) => ({
  contextKey,
  armKey,
  n,
  sumQ: n * q,
  sumQ2: n * q * q,
});

/** everything observable about a Ratings, for comparing two of them exactly */
const state = (r: Ratings) => ({
  digests: r.digests(),
  priors: [CTX, OTHER].map((c) => r.priorsFor(c, [A, B, A2])),
  ratings: r.ratings(),
  packs: [...r.packRatings()],
});

describe('ratings', () => {
  it('last writer wins per peer: a newer epoch replaces, an older one is stale, a repeat changes nothing', () => {
    const r = createRatings();
    expect(r.add({ peer: 'p1', epoch: 5, entries: [e(CTX, A, 10, 0.6)] })).toMatchObject({
      ok: true,
      status: 'new',
    });
    expect(r.add({ peer: 'p1', epoch: 6, entries: [e(CTX, A, 20, 0.8)] })).toMatchObject({
      status: 'replaced',
    });
    expect(r.add({ peer: 'p1', epoch: 4, entries: [e(CTX, A, 99, 0.1)] })).toMatchObject({ status: 'stale' });
    expect(r.add({ peer: 'p1', epoch: 6, entries: [e(CTX, A, 20, 0.8)] })).toMatchObject({
      status: 'unchanged',
    });
    expect(r.rating(CTX, A)).toMatchObject({ n: 20, peers: 1 });
    expect(r.rating(CTX, A)?.mean).toBeCloseTo(0.8, 12);
    // the newer digest replaces the whole snapshot: arms it no longer lists are gone
    r.add({ peer: 'p1', epoch: 7, entries: [e(CTX, B, 6, 0.5)] });
    expect(r.rating(CTX, A)).toBeUndefined();
    expect(r.reported('p1')?.epoch).toBe(7);
  });

  it('two different digests for the same peer and epoch: the same one wins in either order', () => {
    const d1: PeerDigest = { peer: 'p', epoch: 3, entries: [e(CTX, A, 10, 0.9)] };
    const d2: PeerDigest = { peer: 'p', epoch: 3, entries: [e(CTX, A, 10, 0.2)] };
    const r1 = createRatings();
    r1.add(d1);
    r1.add(d2);
    const r2 = createRatings();
    r2.add(d2);
    r2.add(d1);
    expect(r1.digests()).toEqual(r2.digests());
    expect(r1.digests()[0].entries[0].sumQ).not.toBeUndefined();
  });

  it('is idempotent and order-free: any shuffle of the inputs, with duplicates, gives the same state', () => {
    const random = seededRandom(42);
    const digests: PeerDigest[] = [];
    for (let p = 0; p < 12; p++)
      for (let epoch = 1; epoch <= 4; epoch++)
        for (let variant = 0; variant < 2; variant++)
          digests.push({
            peer: `peer-${p}`,
            epoch,
            entries: [A, B, A2]
              .filter(() => random() < 0.8)
              .flatMap((arm) => [CTX, OTHER].map((c) => e(c, arm, 5 + Math.floor(random() * 60), random()))),
          });
    const reference = createRatings();
    for (const d of digests) reference.add(d);
    const expected = state(reference);
    expect(expected.digests).toHaveLength(12);
    for (let trial = 0; trial < 25; trial++) {
      const input = shuffle([...digests, ...digests.filter(() => random() < 0.3)], random);
      const r = createRatings();
      for (const d of input) r.add(d);
      expect(state(r)).toEqual(expected); // exact: pooling order does not depend on arrival order
    }
    // replaying everything again changes nothing
    for (const d of shuffle(digests, random)) reference.add(d);
    expect(state(reference)).toEqual(expected);
    // and the held digests rebuild the same state (persistence)
    const rebuilt = createRatings();
    for (const d of reference.digests()) rebuilt.add(d);
    expect(state(rebuilt)).toEqual(expected);
  });

  it('caps what one peer contributes per arm, so a loud peer cannot dominate', () => {
    const r = createRatings({}, { perPeerCap: 20 });
    r.add({ peer: 'loud', epoch: 1, entries: [e(CTX, A, 100_000, 0.1)] });
    r.add({ peer: 'quiet', epoch: 1, entries: [e(CTX, A, 20, 0.9)] });
    const p = r.priorsFor(CTX, [A])[A];
    expect(p.n).toBeCloseTo(40, 9);
    expect(p.sumQ / p.n).toBeCloseTo(0.5, 9);
    // without the cap the loud peer would have decided alone
    const uncapped = createRatings({}, { perPeerCap: 1e9, maxPriorN: 1e9 });
    uncapped.add({ peer: 'loud', epoch: 1, entries: [e(CTX, A, 100_000, 0.1)] });
    uncapped.add({ peer: 'quiet', epoch: 1, entries: [e(CTX, A, 20, 0.9)] });
    const u = uncapped.priorsFor(CTX, [A])[A];
    expect(u.sumQ / u.n).toBeLessThan(0.11);
  });

  it('caps what the whole network adds to one arm, keeping its mean', () => {
    const r = createRatings({}, { perPeerCap: 20, maxPriorN: 50 });
    for (let i = 0; i < 10; i++) r.add({ peer: `p${i}`, epoch: 1, entries: [e(CTX, A, 30, 0.7)] });
    const p = r.priorsFor(CTX, [A])[A];
    expect(p.n).toBeCloseTo(50, 9);
    expect(p.sumQ / p.n).toBeCloseTo(0.7, 9);
  });

  it('weights peers by reputation and discounts everything by trust (the plain mean)', () => {
    const weights: Record<string, number> = { good: 1, bad: 0, half: 0.5 };
    const r = createRatings({ weightOf: (p) => weights[p] ?? 1 }, { robust: false });
    r.add({ peer: 'good', epoch: 1, entries: [e(CTX, A, 10, 0.9)] });
    r.add({ peer: 'bad', epoch: 1, entries: [e(CTX, A, 10, 0.0)] });
    r.add({ peer: 'half', epoch: 1, entries: [e(CTX, A, 10, 0.6)] });
    const full = r.priorsFor(CTX, [A])[A];
    expect(full.n).toBeCloseTo(15, 9);
    expect(full.sumQ / full.n).toBeCloseTo((10 * 0.9 + 5 * 0.6) / 15, 9);
    expect(r.rating(CTX, A)?.peers).toBe(2);
    const half = r.priorsFor(CTX, [A], 0.5)[A];
    expect(half.n).toBeCloseTo(full.n / 2, 9);
    expect(half.sumQ).toBeCloseTo(full.sumQ / 2, 9);
    expect(half.sumQ2).toBeCloseTo((full.sumQ2 ?? 0) / 2, 9);
    expect(r.priorsFor(CTX, [A], 0)).toEqual({});
    // reputation is read at query time: a peer that loses it stops counting at once
    weights.good = 0;
    expect(r.priorsFor(CTX, [A])[A].sumQ / r.priorsFor(CTX, [A])[A].n).toBeCloseTo(0.6, 9);
  });

  it('shifts the optimizer toward arms peers rate well, from the first generation', () => {
    const r = createRatings();
    for (let i = 0; i < 5; i++)
      r.add({ peer: `p${i}`, epoch: 1, entries: [e(CTX, A, 30, 0.96), e(CTX, B, 30, 0.55)] });
    const priors = r.priorsFor(CTX, [{ key: A }, { key: B }, { key: A2 }], 0.5);
    expect(Object.keys(priors).sort()).toEqual([A, B].sort()); // nobody reported A2
    const postA = posterior(undefined, [priors[A]]);
    const postB = posterior(undefined, [priors[B]]);
    expect(postA.mean).toBeGreaterThan(0.9);
    expect(postB.mean).toBeLessThan(0.6);
    const random = seededRandom(1);
    let firstIsA = 0;
    for (let i = 0; i < 200; i++) {
      const ranked = thompsonRank(
        [
          { item: A, posterior: postA },
          { item: B, posterior: postB },
        ],
        random,
      );
      if (ranked[0].item === A) firstIsA++;
    }
    expect(firstIsA).toBeGreaterThan(195);
    // without priors the two arms are a coin toss
    const flat = posterior(undefined, []);
    expect(flat.mean).toBe(0.5);
  });

  it('clamps noise and rejects broken digests', () => {
    const r = createRatings({}, { maxEntries: 3 });
    const noisy = r.add({
      peer: 'n',
      epoch: 1,
      entries: [
        { contextKey: CTX, armKey: A, n: 10, sumQ: 10.7, sumQ2: 50 }, // mean 1.07 -> 1, sumQ2 -> <= sumQ
        { contextKey: CTX, armKey: B, n: -0.4, sumQ: 0.2 }, // noise below zero: dropped
        { contextKey: OTHER, armKey: A, n: 10, sumQ: -1 }, // mean < 0 -> 0
      ],
    });
    expect(noisy).toMatchObject({ ok: true, entries: 2 });
    expect(r.rating(CTX, A)?.mean).toBe(1);
    expect(r.reported('n')?.entries.find((x) => x.contextKey === CTX && x.armKey === A)?.sumQ2).toBe(10);
    expect(r.rating(CTX, B)).toBeUndefined();
    expect(r.rating(OTHER, A)?.mean).toBe(0);
    const bad: unknown[] = [
      null,
      { peer: '', epoch: 1, entries: [] },
      { peer: 'x', epoch: -1, entries: [] },
      { peer: 'x', epoch: 1.5, entries: [] },
      { peer: 'x', epoch: 1, entries: 'many' },
      {
        peer: 'x',
        epoch: 1,
        entries: [e(CTX, A, 1, 1), e(CTX, B, 1, 1), e(OTHER, A, 1, 1), e(OTHER, B, 1, 1)],
      },
      { peer: 'x', epoch: 1, entries: [{ contextKey: CTX, armKey: A, n: Number.NaN, sumQ: 1 }] },
      {
        peer: 'x',
        epoch: 1,
        entries: [{ contextKey: CTX, armKey: A, n: 1, sumQ: Number.POSITIVE_INFINITY }],
      },
      { peer: 'x', epoch: 1, entries: [{ contextKey: CTX, armKey: A, n: '5', sumQ: 1 }] },
      { peer: 'x', epoch: 1, entries: [e(CTX, A, 5, 1), e(CTX, A, 6, 0)] },
      { peer: 'x', epoch: 1, entries: [{ ...e(CTX, A, 5, 1), armKey: 'x'.repeat(1000) }] },
      { peer: 'x', epoch: 1, entries: [null] },
    ];
    for (const d of bad)
      expect(r.add(d as PeerDigest), JSON.stringify(d)?.slice(0, 80)).toMatchObject({
        ok: false,
        reason: 'bad-digest',
      });
    expect(r.peers().map((p) => p.peer)).toEqual(['n']);
  });

  it('rates packs by their best arm, shrunk toward 0.5, so one glowing report does not win', () => {
    const r = createRatings();
    r.add({
      peer: 'p1',
      epoch: 1,
      entries: [e(CTX, A, 40, 0.95), e(CTX, A2, 40, 0.3), e(CTX, 'bafkreiccc:x:builtin', 1, 1)],
    });
    const packs = r.packRatings();
    const a = packs.get('bafkreiaaa');
    expect(a).toMatchObject({ bestArm: A, peers: 1 });
    // 40 reported, 20 counted (the per-peer cap), 2 pseudo-observations at 0.5
    expect(a?.score).toBeCloseTo((20 * 0.95 + 1) / 22, 9);
    // one observation is a fifth of a voice (voiceN 5), against the context's full one: support
    // (1/5) / (0.5 x 1) = 0.4, so it counts for 0.4 of an observation beside the 2 at 0.5
    expect(packs.get('bafkreiccc')?.score).toBeCloseTo((0.4 + 1) / 2.4, 9);
    expect(r.packRatings(undefined, { consensus: false }).get('bafkreiccc')?.score).toBeCloseTo(2 / 3, 9);
    expect(a!.score).toBeGreaterThan(packs.get('bafkreiccc')!.score);
    expect(r.packRatings(OTHER).size).toBe(0);
  });

  it('forgets silent peers and bounds the number held', () => {
    const r = createRatings({}, { maxPeers: 3 });
    for (let i = 0; i < 5; i++) r.add({ peer: `p${i}`, epoch: 10 + i, entries: [e(CTX, A, 5, 0.5)] });
    expect(r.peers().map((p) => p.peer)).toEqual(['p2', 'p3', 'p4']);
    expect(r.add({ peer: 'old', epoch: 1, entries: [] })).toMatchObject({ ok: true, status: 'stale' });
    expect(r.expire(14)).toBe(2);
    expect(r.peers().map((p) => p.peer)).toEqual(['p4']);
    expect(r.remove('p4')).toBe(true);
    expect(r.digests()).toEqual([]);
  });

  it('weighs a noised entry by its effective n: a small, noisy entry counts for less than a large one', () => {
    // a spread of q (sum q^2 / n - mean^2 = 0.04) as a real entry has
    const spread = (contextKey: string, armKey: string, n: number, q: number) => ({
      ...e(contextKey, armKey, n, q),
      sumQ2: n * (q * q + 0.04),
    });
    const r = createRatings();
    // the same mean: 12 outcomes noised with epsilon 1 (scale 3), and 400 outcomes
    r.add({ peer: 'small', epoch: 1, epsilon: 1, entries: [spread(CTX, A, 12, 0.7)] });
    r.add({ peer: 'large', epoch: 1, epsilon: 1, entries: [spread(CTX, B, 400, 0.7)] });
    const p = r.priorsFor(CTX, [A, B]);
    expect(p[A].n).toBeLessThan(12 / 4);
    expect(p[B].n).toBe(20); // the per-peer cap: noise barely matters at n = 400
    // the mean (and the spread) are kept, only the weight shrinks
    expect(p[A].sumQ / p[A].n).toBeCloseTo(0.7, 9);
    expect((p[A].sumQ2 ?? 0) / p[A].n).toBeCloseTo(0.49 + 0.04, 9);

    // two peers report the same arm with the same n and opposite means: the noisier one counts less
    const pooled = createRatings();
    pooled.add({ peer: 'noisy', epoch: 1, epsilon: 0.5, entries: [spread(CTX, A, 15, 0.9)] });
    pooled.add({ peer: 'precise', epoch: 1, epsilon: 50, entries: [spread(CTX, A, 15, 0.1)] });
    const mean = pooled.rating(CTX, A)?.mean ?? 0;
    expect(mean).toBeLessThan(0.2);
    // a digest that says nothing of noise (exact counts) is taken at its n, as before
    const exact = createRatings();
    exact.add({ peer: 'x', epoch: 1, entries: [spread(CTX, A, 12, 0.7)] });
    expect(exact.priorsFor(CTX, [A])[A].n).toBe(12);
    // the epsilon is part of what is held (and persisted)
    expect(r.reported('small')?.epsilon).toBe(1);
    expect(r.add({ peer: 'bad', epoch: 1, epsilon: -1, entries: [] })).toMatchObject({ ok: false });
  });
});
