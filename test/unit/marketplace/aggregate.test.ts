import { describe, expect, it } from 'vitest';
import {
  createMarketplace,
  type LocalArmStats,
  type Marketplace,
  type PeerDigest,
  pool,
  weightedMedian,
} from '../../../marketplace/index.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import { shuffle } from './helpers.js';

const CTX = 'typescript|builtin|s|e1t0d0m1';
/** five arms of one pack, from the worst to the best: the honest world */
const ARMS = ['a', 'b', 'c', 'd', 'e'].map((x) => `bafkreipack:${x}00000000000:builtin`);
const TRUE_Q = [0.55, 0.62, 0.7, 0.78, 0.85];
const WORST = ARMS[0];
const BEST = ARMS[4];

/** a digest entry with n observations at mean q and a small spread */
const entry = (armKey: string, n: number, q: number, contextKey = CTX) => ({
  contextKey,
  armKey,
  n,
  sumQ: n * q,
  sumQ2: n * (q * q + 0.004),
});

/** what a liar says of arm i: the good ones terrible, the poor ones excellent */
const lie = (i: number) => (TRUE_Q[i] >= 0.7 ? 0.1 : 0.99);

/** what this node measured itself: every arm 30 times, near the truth */
const LOCAL: LocalArmStats[] = ARMS.map((armKey, i) => ({
  contextKey: CTX,
  ...entry(armKey, 30, TRUE_Q[i]),
}));

/** arms ranked best first by a mean function */
const ranking = (mean: (arm: string) => number) => [...ARMS].sort((x, y) => mean(y) - mean(x));
/** the priors' means: the product's aggregate by default; `robust`/`consensus` false for the ablations */
const priorMean = (m: Marketplace, robust?: boolean, consensus?: boolean) => {
  const p = m.priorsFor(CTX, ARMS, 1, {
    ...(robust === undefined ? {} : { robust }),
    ...(consensus === undefined ? {} : { consensus }),
  });
  return (arm: string) => p[arm].sumQ / p[arm].n;
};

describe('the robust aggregate', () => {
  it('weighted median: sorted by value, half the weight passed; an exact half takes the midpoint', () => {
    expect(weightedMedian([])).toBeUndefined();
    expect(weightedMedian([{ value: 0.3, weight: 1 }])).toBe(0.3);
    expect(
      weightedMedian([
        { value: 0.9, weight: 1 },
        { value: 0.1, weight: 1 },
      ]),
    ).toBe(0.5);
    expect(
      weightedMedian([
        { value: 0.9, weight: 3 },
        { value: 0.1, weight: 1 },
        { value: 0.5, weight: 1 },
      ]),
    ).toBe(0.9);
    expect(
      weightedMedian([
        { value: 0.2, weight: 0 },
        { value: 0.7, weight: 2 },
      ]),
    ).toBe(0.7);
  });

  it('clips each report into the band around the median and keeps its spread', () => {
    const r = (n: number, q: number) => ({ n, sumQ: n * q, sumQ2: n * (q * q + 0.01) });
    const robust = pool([r(10, 0.8), r(10, 0.82), r(10, 0.0)], 0.05);
    expect(robust).toMatchObject({ n: 30, median: 0.8, clipped: 1, reports: 3 });
    expect(robust.sumQ / robust.n).toBeCloseTo((0.8 + 0.82 + 0.75) / 3, 12);
    expect(robust.plainMean).toBeCloseTo((0.8 + 0.82) / 3, 12);
    // each report keeps its own variance (0.01) around the mean it is pooled with
    expect(robust.sumQ2).toBeCloseTo(
      10 * (0.64 + 0.01) + 10 * (0.82 ** 2 + 0.01) + 10 * (0.75 ** 2 + 0.01),
      9,
    );
    const plain = pool([r(10, 0.8), r(10, 0.82), r(10, 0.0)], undefined);
    expect(plain.sumQ / plain.n).toBeCloseTo(plain.plainMean, 12);
    expect(plain.clipped).toBe(0);
  });

  it('is order-independent and idempotent: the same digests in any order, twice, give the same priors and trust', () => {
    const random = seededRandom(7);
    const digests: PeerDigest[] = [];
    for (let p = 0; p < 10; p++)
      for (let epoch = 1; epoch <= 4; epoch++) {
        const liar = p % 4 === 0;
        digests.push({
          peer: `peer-${p}`,
          epoch,
          ...(p % 2 ? { epsilon: 1 } : {}),
          entries: ARMS.filter(() => random() < 0.9).map((arm, i) =>
            entry(arm, 20 + Math.floor(random() * 200), liar ? lie(i) : TRUE_Q[i] + (random() - 0.5) / 20),
          ),
        });
      }
    const stateOf = (input: PeerDigest[]) => {
      const m = createMarketplace();
      for (const d of input) m.receiveDigest(d, LOCAL, d.peer);
      return {
        robust: m.priorsFor(CTX, ARMS),
        plain: m.priorsFor(CTX, ARMS, 1, { robust: false }),
        packs: [...m.ratings.packRatings()],
        trust: m.reputation.all(),
        weights: m.ratings.peers(),
      };
    };
    const expected = stateOf(digests);
    // the liars lost their say, the honest earned theirs
    expect(expected.weights.filter((w) => w.weight === 0).map((w) => w.peer)).toEqual([
      'peer-0',
      'peer-4',
      'peer-8',
    ]);
    for (let trial = 0; trial < 20; trial++) {
      const input = shuffle([...digests, ...shuffle(digests, random)], random);
      expect(stateOf(input)).toEqual(expected); // exact, float for float
    }
  });
});

describe('trust', () => {
  /** a peer's digest for an epoch: honest reports the truth, a liar the reverse */
  const report = (peer: string, epoch: number, lies: boolean, n = 40): PeerDigest => ({
    peer,
    epoch,
    entries: ARMS.map((arm, i) => entry(arm, n, lies ? lie(i) : TRUE_Q[i])),
  });

  it('rises for a peer that agrees with what this node measured, falls for one that lies', () => {
    const m = createMarketplace();
    const start = m.reputation.score('honest');
    expect(start).toBeCloseTo(0.1, 12);
    let honest = start;
    let liar = start;
    for (let epoch = 1; epoch <= 8; epoch++) {
      m.receiveDigest(report('honest', epoch, false), LOCAL, 'honest');
      m.receiveDigest(report('liar', epoch, true), LOCAL, 'liar');
      expect(m.reputation.score('honest')).toBeGreaterThan(honest);
      expect(m.reputation.score('liar')).toBeLessThan(liar);
      honest = m.reputation.score('honest');
      liar = m.reputation.score('liar');
    }
    expect(honest).toBeGreaterThan(0.8);
    expect(m.reputation.weight('liar')).toBe(0);
    // the liar's reports no longer reach the priors
    expect(priorMean(m)(BEST)).toBeCloseTo(TRUE_Q[4], 9);
  });

  it('a digest that came before this node had evidence is judged once it has (recheck)', () => {
    const m = createMarketplace();
    m.receiveDigest(report('honest', 1, false), [], 'honest');
    m.receiveDigest(report('liar', 1, true), [], 'liar');
    expect(m.reputation.score('honest')).toBeCloseTo(0.1, 12);
    expect(m.reputation.score('liar')).toBeCloseTo(0.1, 12);
    expect(m.recheck(LOCAL)).toBe(2);
    expect(m.reputation.score('honest')).toBeGreaterThan(0.3);
    expect(m.reputation.score('liar')).toBeLessThan(0.1);
    // judging the same epoch again against the same measurements changes nothing
    const before = m.reputation.all();
    m.recheck(LOCAL);
    expect(m.reputation.all()).toEqual(before);
  });

  it('a digest from an unknown or throttled peer carries bounded weight', () => {
    const m = createMarketplace();
    for (let epoch = 1; epoch <= 5; epoch++)
      m.receiveDigest(report('trusted', epoch, false), LOCAL, 'trusted');
    const trusted = m.reputation.score('trusted');
    expect(trusted).toBeGreaterThan(0.7);
    // a stranger claims a million observations of the opposite, in its first digest
    m.receiveDigest(report('stranger', 1, true, 1_000_000), [], 'stranger');
    const peers = new Map(m.ratings.peers().map((p) => [p.peer, p.weight]));
    expect(peers.get('trusted')).toBe(1);
    expect(peers.get('stranger')).toBeCloseTo(0.1 / trusted, 12);
    // its share of the pooled evidence is its relative trust times the per-peer cap, whatever it claims
    const plain = m.priorsFor(CTX, ARMS, 1, { robust: false });
    expect(plain[BEST].n).toBeCloseTo(20 + 20 * (0.1 / trusted), 9);
    expect(plain[BEST].n - 20).toBeLessThan(20 * 0.15);
    // a throttled peer (its messages rejected for rate limits) counts less than a stranger: nothing
    for (let i = 0; i < 3; i++) m.rejected('throttled', 'rate-limited');
    m.receiveDigest(report('throttled', 1, true, 1_000_000), [], 'throttled');
    expect(m.ratings.peers().find((p) => p.peer === 'throttled')?.weight).toBe(0);
    expect(m.priorsFor(CTX, ARMS, 1, { robust: false })[BEST].n).toBeCloseTo(plain[BEST].n, 9);
    // alone, a stranger counts at most the per-peer cap
    const fresh = createMarketplace();
    fresh.receiveDigest(report('stranger', 1, true, 1_000_000), [], 'stranger');
    expect(fresh.priorsFor(CTX, [BEST])[BEST].n).toBeLessThanOrEqual(20);
    // and its pack rating is bounded the same way
    expect(m.ratings.packRatings(CTX).get('bafkreipack')?.n).toBeLessThanOrEqual(5 * (20 + 20 * 0.15));
  });
});

describe('sybils', () => {
  /**
   * 16 honest peers report every arm near its true quality (sampling noise, some contexts differ a
   * little); 4 sybils (20%) report the worst arm as excellent and the best as terrible, claiming
   * huge counts. Nobody has earned trust yet: every peer weighs the same, so only the aggregate
   * stands between the sybils and the ranking.
   */
  function world(seed: number, sybils: number) {
    const random = seededRandom(seed);
    const honest: PeerDigest[] = [];
    const liars: PeerDigest[] = [];
    for (let p = 0; p < 16; p++)
      honest.push({
        peer: `honest-${p}`,
        epoch: 1,
        entries: ARMS.map((arm, i) => {
          const n = 20 + Math.floor(random() * 80);
          const noise = (random() + random() + random() - 1.5) * 0.04;
          return entry(arm, n, TRUE_Q[i] + noise);
        }),
      });
    for (let p = 0; p < sybils; p++)
      liars.push({
        peer: `sybil-${p}`,
        epoch: 1,
        entries: [
          entry(WORST, 10_000, 1),
          entry(BEST, 10_000, 0),
          ...ARMS.slice(1, 4).map((arm, i) => entry(arm, 10_000, TRUE_Q[i + 1])),
        ],
      });
    const load = (ds: PeerDigest[]) => {
      const m = createMarketplace();
      for (const d of ds) m.receiveDigest(d, [], d.peer);
      return m;
    };
    return { honestOnly: load(honest), attacked: load([...honest, ...liars]) };
  }

  it('with 20% sybils the robust ranking matches the honest-only ranking, the plain mean does not', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { honestOnly, attacked } = world(seed, 4);
      const truth = ranking(priorMean(honestOnly, false, false));
      expect(truth).toEqual([...ARMS].reverse());
      expect(ranking(priorMean(attacked))).toEqual(truth);
      // the clipping holds without the consensus factor; the consensus factor alone takes most of
      // the sybils' weight (they disagree with everyone on two arms of five)
      expect(ranking(priorMean(attacked, true, false))).toEqual(truth);
      const weight = new Map(attacked.ratings.peers().map((p) => [p.peer, p.weight]));
      const of = (prefix: string) => [...weight].filter(([p]) => p.startsWith(prefix)).map(([, w]) => w);
      expect(Math.max(...of('sybil-'))).toBeLessThan(0.5 * Math.min(...of('honest-')));
      const plain = ranking(priorMean(attacked, false, false));
      expect(plain).not.toEqual(truth);
      expect(plain[0]).not.toBe(BEST); // the plain mean loses the best arm at the top
      // the rating shows both means, and how many reports were clipped
      const rated = attacked.ratings.rating(CTX, BEST)!;
      expect(rated.robustMean).toBeGreaterThan(0.8);
      expect(rated.robustMean).toBeGreaterThan(rated.plainMean);
      expect(rated.clipped).toBeGreaterThanOrEqual(4);
      // pack scores follow the robust aggregate: the pack's best arm is the honest best
      expect(attacked.ratings.packRatings(CTX).get('bafkreipack')?.bestArm).toBe(BEST);
      expect(
        attacked.ratings.packRatings(CTX, { robust: false, consensus: false }).get('bafkreipack')?.bestArm,
      ).not.toBe(BEST);
    }
  });
});
