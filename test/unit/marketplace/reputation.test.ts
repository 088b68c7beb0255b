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

describe('reputation', () => {
  it('starts neutral; agreement raises it, disagreement lowers it', () => {
    const rep = createReputation();
    expect(rep.score('new')).toBe(0.5);
    expect(rep.get('new')).toMatchObject({ score: 0.5, good: 0, bad: 0, digestsCompared: 0 });
    const honest = rep.compare(digest('honest', 1, [0.93, 0.72, 0.45]), local);
    expect(honest).toMatchObject({ counted: true, agreed: 3, disagreed: 0 });
    expect(rep.score('honest')).toBeGreaterThan(0.5);
    const liar = rep.compare(digest('liar', 1, [0.2, 0.99, 0.99]), local);
    expect(liar).toMatchObject({ counted: true, agreed: 0, disagreed: 3 });
    expect(rep.score('liar')).toBeLessThan(0.5);
    // explainable: the per-arm details say what was compared and how far apart it was
    expect(liar.details[0]).toMatchObject({ arm: ARMS[0], agree: false, localMean: expect.closeTo(0.95, 9) });
    expect(liar.details[0].peerMean).toBeCloseTo(0.2, 9);
    // a mixed peer moves by the share it got right
    rep.compare(digest('mixed', 1, [0.95, 0.7, 0.99]), local);
    expect(rep.get('mixed').good).toBeCloseTo(2 / 3, 9);
    expect(rep.score('mixed')).toBeGreaterThan(0.5);
    expect(rep.score('mixed')).toBeLessThan(rep.score('honest'));
  });

  it('counts a digest once, and only where both sides have evidence', () => {
    const rep = createReputation();
    rep.compare(digest('p', 3, [0.95, 0.7, 0.4]), local);
    const after = rep.score('p');
    expect(rep.compare(digest('p', 3, [0.95, 0.7, 0.4]), local)).toMatchObject({ counted: false });
    expect(rep.compare(digest('p', 2, [0.95, 0.7, 0.4]), local)).toMatchObject({ counted: false });
    expect(rep.score('p')).toBe(after);
    // too few observations on the peer's side: nothing comparable, no vote
    expect(rep.compare(digest('thin', 1, [0, 0, 0], 2), local)).toMatchObject({
      counted: false,
      details: [],
    });
    expect(rep.score('thin')).toBe(0.5);
    // other contexts are not compared
    const elsewhere = {
      ...digest('far', 1, [0, 0, 0]),
      entries: digest('far', 1, [0, 0, 0]).entries.map((e) => ({ ...e, contextKey: 'x' })),
    };
    expect(rep.compare(elsewhere, local)).toMatchObject({ counted: false });
  });

  it('tolerates sampling noise: small samples may differ more', () => {
    const rep = createReputation({ tolerance: 0.05 });
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
  });

  it('lowers it for rejected messages, by reason', () => {
    const rep = createReputation();
    rep.rejected('spammer', 'bad-signature');
    rep.rejected('spammer', 'bad-signature');
    rep.rejected('spammer', 'malformed');
    expect(rep.score('spammer')).toBeCloseTo(2 / 7, 9);
    expect(rep.get('spammer').rejections).toEqual({ 'bad-signature': 2, malformed: 1 });
    expect(rep.weight('spammer')).toBeGreaterThan(0);
    rep.rejected('spammer', 'malformed');
    expect(rep.score('spammer')).toBe(0.25);
    rep.rejected('spammer', 'malformed');
    expect(rep.score('spammer')).toBeCloseTo(2 / 9, 9);
    expect(rep.weight('spammer')).toBe(0); // below minScore its digests no longer count
  });

  it('stays bounded, and a peer can recover', () => {
    const rep = createReputation({ prior: 2, maxEvidence: 50 });
    for (let epoch = 1; epoch <= 1000; epoch++) rep.compare(digest('saint', epoch, [0.95, 0.7, 0.4]), local);
    for (let i = 0; i < 1000; i++) rep.rejected('sinner', 'malformed');
    const top = 52 / 54;
    const bottom = 2 / 54;
    expect(rep.score('saint')).toBeLessThanOrEqual(top + 1e-12);
    expect(rep.score('saint')).toBeGreaterThan(0.95);
    expect(rep.score('sinner')).toBeGreaterThanOrEqual(bottom - 1e-12);
    expect(rep.score('sinner')).toBeLessThan(0.05);
    expect(rep.get('saint').good + rep.get('saint').bad).toBeLessThanOrEqual(50 + 1e-9);
    // the saint turns: old evidence fades, so it falls below neutral after a bounded number of lies
    for (let epoch = 1001; epoch <= 1040; epoch++)
      rep.compare(digest('saint', epoch, [0.1, 0.1, 0.99]), local);
    expect(rep.score('saint')).toBeLessThan(0.5);
    // the sinner reforms and climbs back above neutral
    for (let epoch = 1; epoch <= 60; epoch++) rep.compare(digest('sinner', epoch, [0.95, 0.7, 0.4]), local);
    expect(rep.score('sinner')).toBeGreaterThan(0.5);
  });

  it('saves and restores, and forgets the least known peer past maxPeers', () => {
    const rep = createReputation({ maxPeers: 2 });
    rep.compare(digest('a', 1, [0.95, 0.7, 0.4]), local);
    rep.rejected('b', 'malformed');
    const restored = createReputation({ maxPeers: 2 }, JSON.parse(JSON.stringify(rep.snapshot())));
    expect(restored.all()).toEqual(rep.all());
    // a third peer pushes out the one with the least evidence (b: 1 unit, a: 1 unit; a is kept by order)
    rep.compare(digest('a', 2, [0.95, 0.7, 0.4]), local);
    rep.rejected('c', 'malformed');
    expect(rep.all().map((p) => p.peer)).toEqual(['a', 'c']);
    // hostile snapshots are skipped, not trusted
    const odd = createReputation(
      {},
      { version: 1, peers: [{ peer: 'x', good: -5, bad: 0 } as never, null as never] },
    );
    expect(odd.all()).toEqual([]);
  });
});
