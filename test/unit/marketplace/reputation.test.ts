import { describe, expect, it } from 'vitest';
import { createReputation, type LocalArmStats, type PeerDigest } from '../../../marketplace/index.js';

const CTX = 'go|builtin|m|e1t0d1m1';
const ARMS = ['bafkreiaaa:1:builtin', 'bafkreibbb:1:builtin', 'bafkreiccc:1:builtin'];

/** this node measured these means over 30 runs each, with a little spread */
const local: LocalArmStats[] = ARMS.map((armKey, i) => {
  const q = [0.95, 0.7, 0.4][i];
  return { contextKey: CTX, armKey, n: 30, sumQ: 30 * q, sumQ2: 30 * (q * q + 0.0004) };
});

/** a peer's digest reporting `means` for the three arms */
const digest = (peer: string, epoch: number, means: number[], n = 30): PeerDigest => ({
  peer,
  epoch,
  entries: ARMS.map((armKey, i) => ({
    contextKey: CTX,
    armKey,
    n,
    sumQ: n * means[i],
    sumQ2: n * means[i] * means[i],
  })),
});

describe('reputation (trust)', () => {
  it('starts low; agreement raises it, disagreement lowers it', () => {
    const rep = createReputation();
    expect(rep.initial).toBe(0.1);
    expect(rep.score('new')).toBeCloseTo(0.1, 12);
    expect(rep.get('new')).toMatchObject({ good: 0, bad: 0, digestsCompared: 0 });
    expect(rep.weight('new')).toBeCloseTo(0.1, 12); // a newcomer counts, for little
    const honest = rep.compare(digest('honest', 1, [0.93, 0.72, 0.45]), local);
    expect(honest).toMatchObject({ counted: true, agreed: 3, disagreed: 0 });
    expect(rep.score('honest')).toBeCloseTo((0.2 + 1) / 3, 12);
    const liar = rep.compare(digest('liar', 1, [0.2, 0.99, 0.99]), local);
    expect(liar).toMatchObject({ counted: true, agreed: 0, disagreed: 3 });
    // a disagreement weighs twice an agreement: one caught lie halves a newcomer's score
    expect(rep.score('liar')).toBeCloseTo(0.2 / (2 + 2), 12);
    // explainable: the per-arm details say what was compared and how far apart it was
    expect(liar.details[0]).toMatchObject({ arm: ARMS[0], agree: false, localMean: expect.closeTo(0.95, 9) });
    expect(liar.details[0].peerMean).toBeCloseTo(0.2, 9);
    // a mixed peer moves by the share it got right
    rep.compare(digest('mixed', 1, [0.95, 0.7, 0.99]), local);
    expect(rep.get('mixed').good).toBeCloseTo(2 / 3, 9);
    expect(rep.score('mixed')).toBeGreaterThan(0.1);
    expect(rep.score('mixed')).toBeLessThan(rep.score('honest'));
    // trust is earned over epochs, and lost over epochs
    for (let epoch = 2; epoch <= 10; epoch++) {
      rep.compare(digest('honest', epoch, [0.93, 0.72, 0.45]), local);
      rep.compare(digest('liar', epoch, [0.2, 0.99, 0.99]), local);
    }
    expect(rep.score('honest')).toBeCloseTo(10.2 / 12, 12);
    expect(rep.weight('liar')).toBe(0); // below minScore its digests no longer count
  });

  it('one vote per epoch: judging it again replaces it; only where both sides have evidence', () => {
    const rep = createReputation();
    rep.compare(digest('p', 3, [0.95, 0.7, 0.4]), local);
    const after = rep.score('p');
    expect(rep.compare(digest('p', 3, [0.95, 0.7, 0.4]), local)).toMatchObject({ counted: true });
    expect(rep.score('p')).toBe(after);
    expect(rep.get('p').digestsCompared).toBe(1);
    // an older epoch arriving late is a vote of its own (as it would have been in arrival order)
    rep.compare(digest('p', 2, [0.95, 0.7, 0.4]), local);
    expect(rep.get('p')).toMatchObject({ digestsCompared: 2, lastEpoch: 3 });
    // the same epoch judged against newer measurements: the vote is replaced, not added
    const moved = local.map((s) => ({ ...s, sumQ: s.n * 0.1, sumQ2: s.n * 0.01 }));
    expect(rep.compare(digest('p', 3, [0.95, 0.7, 0.4]), moved)).toMatchObject({ disagreed: 3 });
    expect(rep.get('p')).toMatchObject({ digestsCompared: 2, armsAgreed: 3, armsDisagreed: 3 });
    // too few observations on the peer's side: nothing comparable, no vote
    expect(rep.compare(digest('thin', 1, [0, 0, 0], 2), local)).toMatchObject({
      counted: false,
      details: [],
    });
    expect(rep.score('thin')).toBeCloseTo(0.1, 12);
    // other contexts are not compared
    const elsewhere = {
      ...digest('far', 1, [0, 0, 0]),
      entries: digest('far', 1, [0, 0, 0]).entries.map((e) => ({ ...e, contextKey: 'x' })),
    };
    expect(rep.compare(elsewhere, local)).toMatchObject({ counted: false });
  });

  it('the same votes in any order give the same trust, bit for bit', () => {
    const epochs = Array.from({ length: 80 }, (_, i) => i + 1);
    const lie = (e: number) => e % 3 === 0;
    const run = (order: number[]) => {
      const rep = createReputation({ maxVotes: 50 });
      for (const e of order)
        rep.compare(digest('p', e, lie(e) ? [0.2, 0.99, 0.99] : [0.95, 0.71, 0.41]), local);
      rep.rejected('p', 'malformed');
      return rep.get('p');
    };
    const forward = run(epochs);
    expect(run([...epochs].reverse())).toEqual(forward);
    expect(run([...epochs.filter((e) => e % 2), ...epochs.filter((e) => !(e % 2)), 5, 6])).toEqual(forward);
    expect(forward.digestsCompared).toBe(50); // the latest 50 epochs
  });

  it('tolerates sampling noise: small samples may differ more, and noise too wide to tell is no vote', () => {
    const rep = createReputation({ tolerance: 0.05, maxBand: 1 });
    const noisyLocal: LocalArmStats[] = [
      { contextKey: CTX, armKey: ARMS[0], n: 5, sumQ: 5 * 0.6, sumQ2: 5 * 0.6 * 0.6 + 5 * 0.09 },
    ];
    // 0.2 apart, but the local measurement has sd 0.3 over 5 runs: within two standard errors
    expect(
      rep.compare(
        {
          peer: 'p',
          epoch: 1,
          entries: [{ contextKey: CTX, armKey: ARMS[0], n: 5, sumQ: 4, sumQ2: 3.2 + 5 * 0.09 }],
        },
        noisyLocal,
      ),
    ).toMatchObject({ agreed: 1 });
    // the same gap with steady measurements is a disagreement
    const steady: LocalArmStats[] = [{ contextKey: CTX, armKey: ARMS[0], n: 50, sumQ: 30, sumQ2: 18 }];
    expect(
      rep.compare(
        { peer: 'q', epoch: 1, entries: [{ contextKey: CTX, armKey: ARMS[0], n: 50, sumQ: 40, sumQ2: 32 }] },
        steady,
      ),
    ).toMatchObject({ disagreed: 1 });
    // a noised entry: its Laplace noise widens the band (epsilon 1: scale 3 on sumQ and n)
    const noised = (peer: string, n: number): PeerDigest => ({
      peer,
      epoch: 1,
      epsilon: 1,
      entries: [{ contextKey: CTX, armKey: ARMS[0], n, sumQ: n * 0.8, sumQ2: n * 0.64 }],
    });
    const strict = createReputation();
    // n = 10: the noise alone moves the mean by ~0.5, so the comparison cannot tell: no vote
    expect(strict.compare(noised('small', 10), steady)).toMatchObject({ counted: false, details: [] });
    // n = 400: the noise is small, the gap of 0.2 is a disagreement
    expect(strict.compare(noised('large', 400), steady)).toMatchObject({ disagreed: 1 });
    // a gap beyond a band too wide to vouch for agreement is still a disagreement: at n = 30 the
    // band is ~0.4, too wide to agree within, narrow enough to catch a lie of 1 against 0
    expect(strict.compare(noised('mid', 30), steady)).toMatchObject({ counted: false });
    const lie: PeerDigest = {
      ...noised('liar', 30),
      entries: [{ contextKey: CTX, armKey: ARMS[0], n: 30, sumQ: 30, sumQ2: 30 }],
    };
    const far: LocalArmStats[] = [{ contextKey: CTX, armKey: ARMS[0], n: 50, sumQ: 0, sumQ2: 0 }];
    expect(strict.compare(lie, far)).toMatchObject({ disagreed: 1 });
    // without maxBand the small one would have been judged (and passed, on its wide band)
    expect(createReputation({ maxBand: 10 }).compare(noised('small', 10), steady)).toMatchObject({
      agreed: 1,
    });
  });

  it('lowers it for rejected messages, by reason: a throttled or misbehaving peer counts less than a newcomer', () => {
    const rep = createReputation();
    rep.rejected('spammer', 'bad-signature');
    rep.rejected('spammer', 'bad-signature');
    rep.rejected('spammer', 'rate-limited');
    expect(rep.score('spammer')).toBeCloseTo(0.2 / 5, 9);
    expect(rep.get('spammer').rejections).toEqual({ 'bad-signature': 2, 'rate-limited': 1 });
    expect(rep.score('spammer')).toBeLessThan(rep.score('new'));
    expect(rep.weight('spammer')).toBe(0); // below minScore its digests no longer count
    expect(createReputation({ minScore: 0.01 }).weight('x')).toBeCloseTo(0.1, 12);
  });

  it('stays bounded, and a peer can recover', () => {
    const rep = createReputation({ prior: 2, maxVotes: 50, maxRejections: 20 });
    for (let epoch = 1; epoch <= 1000; epoch++) rep.compare(digest('saint', epoch, [0.95, 0.7, 0.4]), local);
    for (let i = 0; i < 1000; i++) rep.rejected('sinner', 'malformed');
    const top = (0.2 + 50) / 52;
    const bottom = 0.2 / 22;
    expect(rep.score('saint')).toBeCloseTo(top, 12);
    expect(rep.score('saint')).toBeGreaterThan(0.95);
    expect(rep.score('sinner')).toBeCloseTo(bottom, 12);
    expect(rep.get('saint').good + rep.get('saint').bad).toBeLessThanOrEqual(50 + 1e-9);
    // the saint turns: old votes fade, so it falls below a newcomer after a bounded number of lies
    for (let epoch = 1001; epoch <= 1050; epoch++)
      rep.compare(digest('saint', epoch, [0.1, 0.1, 0.99]), local);
    expect(rep.score('saint')).toBeLessThan(0.1);
    // the sinner reforms and climbs back well above a newcomer
    for (let epoch = 1; epoch <= 60; epoch++) rep.compare(digest('sinner', epoch, [0.95, 0.7, 0.4]), local);
    expect(rep.score('sinner')).toBeGreaterThan(0.6);
  });

  it('saves and restores, reports what changed, and forgets the least known peer past maxPeers', () => {
    const rep = createReputation({ maxPeers: 2 });
    rep.compare(digest('a', 1, [0.95, 0.7, 0.4]), local);
    rep.rejected('b', 'malformed');
    const restored = createReputation({ maxPeers: 2 }, JSON.parse(JSON.stringify(rep.snapshot())));
    expect(restored.all()).toEqual(rep.all());
    expect(rep.takeChanges()).toEqual({
      put: [
        { peer: 'a', votes: [[1, 3, 0]], rejections: {} },
        { peer: 'b', votes: [], rejections: { malformed: 1 } },
      ],
      del: [],
    });
    expect(rep.takeChanges()).toEqual({ put: [], del: [] });
    // a third peer pushes out the one with the least evidence (b: 1, a: 2)
    rep.compare(digest('a', 2, [0.95, 0.7, 0.4]), local);
    rep.rejected('c', 'malformed');
    expect(rep.all().map((p) => p.peer)).toEqual(['a', 'c']);
    expect(rep.takeChanges()).toMatchObject({ put: [{ peer: 'a' }, { peer: 'c' }], del: ['b'] });
    // hostile snapshots are skipped, not trusted
    const odd = createReputation(
      {},
      {
        version: 2,
        peers: [
          { peer: 'x', votes: [[1, -5, 0]], rejections: {} },
          { peer: 'y', votes: 'many', rejections: {} } as never,
          null as never,
          { peer: 'z', votes: [[1, 1, 0]], rejections: { malformed: -3, x: 1.5 } },
        ],
      },
    );
    expect(odd.all().map((p) => [p.peer, p.digestsCompared, p.rejections])).toEqual([
      ['x', 0, {}],
      ['z', 1, {}],
    ]);
    expect(createReputation({}, { version: 1, peers: [] } as never).all()).toEqual([]);
  });
});
