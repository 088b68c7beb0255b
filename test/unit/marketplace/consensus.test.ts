import { describe, expect, it } from 'vitest';
import {
  consensusFactors,
  consensusIndex,
  consensusVotes,
  DEFAULT_CONSENSUS,
  standingOf,
  supportShare,
} from '../../../marketplace/consensus.js';
import type { HeldDigest } from '../../../marketplace/digest.js';
import { createRatings, type PeerDigest } from '../../../marketplace/index.js';

const CTX = 'go|builtin|m|e1t0d1m0';
const arm = (x: string) => `bafkreipack${x}:${x}00000000000:builtin`;
const GOOD = ['a', 'b', 'c'].map(arm);
const LONE = arm('z');

const held = (peer: string, entries: [string, number, number][], epsilon?: number): HeldDigest => ({
  peer,
  epoch: 1,
  hash: peer,
  entries: entries.length,
  ...(epsilon === undefined ? {} : { epsilon }),
  byContext: new Map([
    [CTX, new Map(entries.map(([a, n, q]) => [a, { n, sumQ: n * q, sumQ2: n * (q * q + 0.004) }]))],
  ]),
});
const digest = (peer: string, entries: [string, number, number][]): PeerDigest => ({
  peer,
  epoch: 1,
  entries: entries.map(([armKey, n, q]) => ({
    contextKey: CTX,
    armKey,
    n,
    sumQ: n * q,
    sumQ2: n * (q * q + 0.004),
  })),
});
const honestSays = (): [string, number, number][] => [
  [GOOD[0], 40, 0.9],
  [GOOD[1], 40, 0.8],
  [GOOD[2], 40, 0.7],
];

describe('agreement with the consensus', () => {
  const factors = (peers: HeldDigest[]) =>
    consensusFactors(
      consensusIndex(peers, (_h, e) => Math.min(20, e.n)),
      () => 1,
    );

  it('a peer that calls the arms everyone else rates well poor keeps a small part of its weight', () => {
    const honest = Array.from({ length: 6 }, (_, i) => held(`h${i}`, honestSays()));
    const liar = held('liar', [
      [GOOD[0], 40, 0.2],
      [GOOD[1], 40, 0.2],
      [GOOD[2], 40, 0.7],
    ]);
    const f = factors([...honest, liar]);
    for (const h of honest) expect(f.get(h.peer)).toBe(1);
    // (prior 2 + 1 agreed) / (2 + 1 + 4 x 2 disagreed)
    expect(f.get('liar')).toBeCloseTo(3 / 11, 12);
  });

  it('a noisy small entry neither earns agreement nor is blamed inside its noise', () => {
    const honest = Array.from({ length: 4 }, (_, i) => held(`h${i}`, honestSays()));
    // n 3 under Laplace noise of epsilon 1: two standard errors far wider than the band that proves agreement
    const noisy = held('noisy', [[GOOD[0], 3, 0.7]], 1);
    const f = factors([...honest, noisy]);
    expect(f.get('noisy')).toBe(1);
    // the same miss with a precise entry is a disagreement
    const precise = held('precise', [[GOOD[0], 400, 0.6]]);
    expect(factors([...honest, precise]).get('precise')).toBeCloseTo(2 / 6, 12);
  });

  it('an arm fewer than three peers report is no check at all', () => {
    const f = factors([held('a', [[LONE, 40, 0.1]]), held('b', [[LONE, 40, 0.9]])]);
    expect([...f.values()]).toEqual([1, 1]);
  });

  it('puppets with next to no evidence neither make the count nor let their author agree with itself', () => {
    const honest = Array.from({ length: 6 }, (_, i) => held(`h${i}`, honestSays()));
    const made = Array.from({ length: 50 }, (_, i) => arm(`made${i}`));
    const liar = held('liar', [
      [GOOD[0], 40, 0.2],
      [GOOD[1], 40, 0.2],
      ...made.map((a): [string, number, number] => [a, 40, 0.9]),
    ]);
    const puppets = [1, 2].map((i) =>
      held(
        `puppet${i}`,
        made.map((a): [string, number, number] => [a, 1e-6, 0.9]),
      ),
    );
    // (2 + 0 agreed) / (2 + 4 x 2 disagreed): the 50 invented arms earned nothing
    expect(factors([...honest, liar, ...puppets]).get('liar')).toBeCloseTo(2 / 10, 12);
  });

  it('a peer is never judged by a median it makes itself', () => {
    // one heavy report beside two light ones: it is the median, so it casts no vote on that arm
    const f = factors([
      held('heavy', [[LONE, 40, 0.2]]),
      held('l1', [[LONE, 2, 0.9]]),
      held('l2', [[LONE, 2, 0.9]]),
    ]);
    expect(f.get('heavy')).toBe(1);
  });
});

describe('standing', () => {
  it('is earned: a fresh peer has none, one that agreed where the others measured has some, a liar little', () => {
    const honest = Array.from({ length: 6 }, (_, i) => held(`h${i}`, honestSays()));
    const liar = held('liar', [
      [GOOD[0], 40, 0.2],
      [GOOD[1], 40, 0.2],
      [GOOD[2], 40, 0.7],
    ]);
    const fresh = held('fresh', [[LONE, 40, 0.97]]);
    const votes = consensusVotes(
      consensusIndex([...honest, liar, fresh], (_h, e) => Math.min(20, e.n)),
      () => 1,
    );
    const standing = (p: string) => standingOf(votes.get(p)!, DEFAULT_CONSENSUS);
    // 3 agreed / (prior 2 + 3)
    for (const h of honest) expect(standing(h.peer)).toBeCloseTo(0.6, 12);
    // 1 agreed / (2 + 1 + 4 x 2 disagreed)
    expect(standing('liar')).toBeCloseTo(1 / 11, 12);
    expect(standing('fresh')).toBe(0);
  });

  it('the priors carry the reporters standing: honest discovery has it, a fresh peer praising has none', () => {
    const r = createRatings();
    for (let i = 0; i < 8; i++)
      r.add(digest(`h${i}`, i < 2 ? [...honestSays(), [LONE, 30, 0.97]] : honestSays()));
    const ARM = arm('y');
    for (let i = 0; i < 2; i++) r.add(digest(`fresh${i}`, [[ARM, 30, 0.97]]));
    const priors = r.priorsFor(CTX, [LONE, ARM]);
    expect(priors[LONE].support).toBeLessThan(1);
    // relative trust 1 x 3 agreed / (2 + 3)
    expect(priors[LONE].standing).toBeCloseTo(0.6, 12);
    expect(priors[ARM].standing).toBe(0);
    // without the consensus rule nothing is known of standing
    expect(r.priorsFor(CTX, [LONE], 1, { consensus: false })[LONE].standing).toBeUndefined();
  });

  it('peers in good standing need no trust quorum; a lone fresh peer still does', () => {
    // every peer at a new peer's trust (0.1), the quorum three of them (as createMarketplace sets it)
    const ratingsOf = (vouch?: number) => {
      const r = createRatings(
        { weightOf: () => 0.1 },
        { weightFloor: 0.1, trustQuorum: 0.3, ...(vouch ? { consensus: { vouch } } : {}) },
      );
      for (let i = 0; i < 8; i++)
        r.add(digest(`h${i}`, i < 2 ? [...honestSays(), [LONE, 30, 0.97]] : honestSays()));
      r.add(digest('fresh', [[arm('y'), 30, 0.97]]));
      return r;
    };
    // two of nine equal voices against the quorum share 0.5: support 4/9, nothing taken for trust
    expect(ratingsOf().rating(CTX, LONE)?.support).toBeCloseTo(4 / 9, 12);
    // with standing out of reach the quorum applies: two new peers' trust is two thirds of it
    expect(ratingsOf(0.99).rating(CTX, LONE)?.support).toBeCloseTo((4 / 9) * (2 / 3), 12);
    // the fresh peer alone, with no standing, counts a third of its share (one voice of nine: 2/9)
    expect(ratingsOf().rating(CTX, arm('y'))?.support).toBeCloseTo((2 / 9) * (1 / 3), 12);
  });
});

describe('support', () => {
  it('counts in proportion below the quorum share of the context weight, in full from it', () => {
    expect(supportShare(5, 10, 0.5)).toBe(1);
    expect(supportShare(2, 10, 0.5)).toBeCloseTo(0.4, 12);
    expect(supportShare(0, 10, 0.5)).toBe(0);
    expect(supportShare(3, 0, 0.5)).toBe(0);
  });

  it('an arm only a light unproven minority vouches for counts for a share of its evidence, marked as such', () => {
    const r = createRatings();
    for (let i = 0; i < 8; i++) r.add(digest(`h${i}`, honestSays()));
    // two peers (a fifth of the network) praise an arm nobody else has run, and say nothing else
    for (let i = 0; i < 2; i++) r.add(digest(`s${i}`, [[LONE, 30, 0.97]]));
    const priors = r.priorsFor(CTX, [...GOOD, LONE]);
    expect(priors[GOOD[0]].n).toBe(100);
    // 2 of 10 equal peers against the quorum 0.5: 0.4 of what it would count alone (40 of 100)
    expect(priors[LONE].n).toBeCloseTo(40 * 0.4, 6);
    expect(priors[LONE].standing).toBe(0);
    expect(r.rating(CTX, LONE)?.support).toBeCloseTo(0.4, 12);
    // the priors say so, and the optimizer lets only fully supported peers' evidence move the incumbent
    expect(priors[LONE].support).toBeCloseTo(0.4, 12);
    expect(priors[GOOD[0]].support).toBe(1);
    // without the rule (the ablation) the same two peers fill it
    expect(r.priorsFor(CTX, [LONE], 1, { consensus: false })[LONE].n).toBe(40);
  });

  it('a light minority in good standing is heard by its standing, its support still marked', () => {
    const ratingsOf = (vouch?: number) => {
      const r = createRatings({}, vouch ? { consensus: { vouch } } : {});
      for (let i = 0; i < 8; i++) r.add(digest(`h${i}`, honestSays()));
      // the same two peers, but they agreed with the others where the others measured too
      for (let i = 0; i < 2; i++) r.add(digest(`s${i}`, [...honestSays(), [LONE, 30, 0.97]]));
      return r;
    };
    const priors = ratingsOf().priorsFor(CTX, [LONE]);
    expect(priors[LONE].standing).toBeCloseTo(0.6, 12);
    // their runs count by their standing (0.6 of the 40) when that is more than their support
    // (0.4); the support still says how few peers they were
    expect(priors[LONE].n).toBeCloseTo(40 * 0.6, 6);
    expect(priors[LONE].support).toBeCloseTo(0.4, 12);
    // with standing out of reach they are a light minority like any other
    expect(ratingsOf(0.99).priorsFor(CTX, [LONE])[LONE].n).toBeCloseTo(40 * 0.4, 6);
  });

  it('a peer that ran an arm voiceN times is a full voice for it; one that ran it once is a fifth of one', () => {
    const r = createRatings();
    // ten equal peers ran the defaults at length; six of them started on a better arm, five runs each
    for (let i = 0; i < 10; i++)
      r.add(digest(`h${i}`, i < 6 ? [...honestSays(), [LONE, 5, 0.95]] : honestSays()));
    // six of ten voices: past the quorum, full support although each ran it 5 times against 40
    expect(r.rating(CTX, LONE)?.support).toBe(1);
    expect(r.priorsFor(CTX, [LONE])[LONE].support).toBe(1);
    // the same six with one run each are six fifths of a voice: 1.2 / (0.5 x 10) = 0.24
    const thin = createRatings();
    for (let i = 0; i < 10; i++)
      thin.add(digest(`h${i}`, i < 6 ? [...honestSays(), [LONE, 1, 0.95]] : honestSays()));
    expect(thin.rating(CTX, LONE)?.support).toBeCloseTo(0.24, 12);
    // and the rule's voiceN is what decides: at 20 the five runs are a quarter of a voice each
    const strict = createRatings({}, { consensus: { voiceN: 20 } });
    for (let i = 0; i < 10; i++)
      strict.add(digest(`h${i}`, i < 6 ? [...honestSays(), [LONE, 5, 0.95]] : honestSays()));
    expect(strict.rating(CTX, LONE)?.support).toBeCloseTo(0.3, 12);
  });

  it('liars that also lie about the network best arms lose the support of what they push', () => {
    const r = createRatings();
    for (let i = 0; i < 8; i++) r.add(digest(`h${i}`, honestSays()));
    for (let i = 0; i < 2; i++)
      r.add(
        digest(`s${i}`, [
          [GOOD[0], 30, 0.2],
          [GOOD[1], 30, 0.2],
          [LONE, 30, 0.97],
        ]),
      );
    const priors = r.priorsFor(CTX, [LONE]);
    // each liar keeps 2 / (2 + 4 x 2) of its weight: their arm counts for a few pseudo-observations
    expect(priors[LONE].n).toBeLessThan(5);
    expect(r.priorsFor(CTX, [LONE], 1, { consensus: false })[LONE].n).toBe(40);
  });
});
