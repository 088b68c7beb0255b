import { afterEach, describe, expect, it } from 'vitest';
import { createMarketplace, createRatings, type PeerDigest } from '../../../marketplace/index.js';
import { contextKey } from '../../../node/learning/context.js';
import { createLearning } from '../../../node/learning/index.js';
import {
  type Arm,
  type ArmPrior,
  chooseArms,
  createOptimizer,
  DEFAULT_NETWORK_PRIOR,
  enumerateArms,
  networkPrior,
} from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import { candidateSpan, TS_CONTEXT, tempStore } from '../learning/helpers.js';
import { samplePack } from '../marketplace/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const find = (arms: Arm[], params: Record<string, string>) =>
  arms.find((a) => Object.entries(params).every(([k, v]) => a.params[k] === v)) as Arm;
const outcomes = (a: Arm, q: number, n: number) =>
  Array.from({ length: n }, () => candidateSpan(TS_CONTEXT, a, q));
/** what the marketplace hands the optimizer: n pseudo-observations at mean q, a little spread */
const prior = (n: number, q: number): ArmPrior => ({ n, sumQ: n * q, sumQ2: n * (q * q + 0.001) });

async function setup(priors?: Record<string, ArmPrior>, extraPack = false) {
  const { store, cleanup } = await tempStore();
  cleanups.push(cleanup);
  const learning = createLearning({ store });
  const optimizer = createOptimizer(
    { store, learning, ...(priors ? { priors: () => priors } : {}) },
    { seed: 5, rules: false },
  );
  const packs = [...(await builtinPacks()), ...(extraPack ? [samplePack({ name: 'community-ts' })] : [])];
  const arms = enumerateArms(packs, { language: 'typescript' });
  const def = arms.find((a) => a.isDefault) as Arm;
  const brief = find(arms, { doc_style: 'brief', enum_style: 'constants', layout: 'official' });
  const other = arms.find((a) => a.packName === 'community-ts' && a.params.style === 'b');
  return { learning, optimizer, arms, def, brief, other: other as Arm };
}

describe('peers evidence counts beside local outcomes', () => {
  it('is capped, and local evidence takes over as it accumulates', () => {
    const rule = DEFAULT_NETWORK_PRIOR;
    expect(networkPrior(prior(100, 0.9), 0, rule)?.n).toBeCloseTo(20, 12);
    expect(networkPrior(prior(8, 0.9), 0, rule)?.n).toBeCloseTo(8, 12);
    expect(networkPrior(prior(100, 0.9), 10, rule)?.n).toBeCloseTo(10, 12);
    expect(networkPrior(prior(100, 0.9), 40, rule)?.n).toBeCloseTo(4, 12);
    // the mean and the spread are kept
    const p = networkPrior(prior(100, 0.9), 30, rule)!;
    expect(p.sumQ / p.n).toBeCloseTo(0.9, 12);
    expect((p.sumQ2 ?? 0) / p.n).toBeCloseTo(0.81 + 0.001, 12);
    expect(networkPrior(undefined, 0, rule)).toBeUndefined();
    // below the minimum support, praise counts at the base prior's mean (0.5) at most, spread kept;
    // a warning counts as it is
    const minority = networkPrior({ ...prior(10, 0.97), support: 0.4 }, 0, rule)!;
    expect(minority.n).toBeCloseTo(10, 12);
    expect(minority.sumQ / minority.n).toBeCloseTo(0.5, 12);
    expect((minority.sumQ2 ?? 0) / minority.n).toBeCloseTo(0.25 + 0.001, 12);
    expect(networkPrior({ ...prior(10, 0.2), support: 0.4 }, 0, rule)?.sumQ).toBeCloseTo(2, 12);
    expect(networkPrior({ ...prior(10, 0.97), support: 0.5 }, 0, rule)?.sumQ).toBeCloseTo(9.7, 12);
    // unless its reporters are in good standing (agreement earned with the others): then it is the
    // network's news of an arm only a few have run yet, heard at its own mean; the standing is passed on
    const vouched = networkPrior({ ...prior(10, 0.97), support: 0.4, standing: rule.minStanding }, 0, rule)!;
    expect(vouched.sumQ / vouched.n).toBeCloseTo(0.97, 12);
    expect(vouched.standing).toBe(rule.minStanding);
    const unproven = networkPrior(
      { ...prior(10, 0.97), support: 0.4, standing: rule.minStanding * 0.9 },
      0,
      rule,
    )!;
    expect(unproven.sumQ / unproven.n).toBeCloseTo(0.5, 12);
    expect(networkPrior({ n: 0, sumQ: 0 }, 0, rule)).toBeUndefined();
  });
});

describe('network evidence reaches the incumbent', () => {
  it('peers rating a variant far above the defaults make it the incumbent of a new context', async () => {
    const { optimizer, arms, def, brief } = await setup();
    const priors = { [def.key]: prior(20, 0.5), [brief.key]: prior(20, 0.97) };
    const without = await chooseArms(optimizer, TS_CONTEXT, arms, 2);
    expect(without.chosen[0]).toBe(def);
    expect(without.reason).toMatch(/^incumbent: pack defaults/);
    const withPeers = await chooseArms(optimizer, TS_CONTEXT, arms, 2, priors);
    expect(withPeers.chosen[0]).toBe(brief);
    expect(withPeers.reason).toMatch(
      /^incumbent: network-preferred variant typescript-semconv doc_style=brief .*P\(better\) = 1\.000 >= 0\.8/,
    );
  });

  it('says when the peers measured the variant in neighbouring contexts rather than this one', async () => {
    const { optimizer, arms, def, brief } = await setup();
    // what the marketplace's back-off hands over: 20 pseudo-observations, 8 of them from neighbours
    const near = { ...prior(20, 0.97), neighbourN: 8 };
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: prior(10, 0.5),
      [brief.key]: near,
    });
    expect(choice.chosen).toEqual([brief]);
    expect(choice.reason).toMatch(
      /peers' digests, weighted by trust \(40% of them from neighbouring contexts\)$/,
    );
    expect(networkPrior(near, 10, DEFAULT_NETWORK_PRIOR)?.neighbourN).toBeCloseTo(4, 12);
  });

  it('not on the back-off alone: a pack good next door may break here on the one feature that differs', async () => {
    const { optimizer, arms, def, brief } = await setup();
    const choose = (p: ArmPrior) =>
      chooseArms(optimizer, TS_CONTEXT, arms, 1, { [def.key]: prior(10, 0.5), [brief.key]: p });
    // all of it borrowed from neighbours: a likely challenger, never the incumbent
    expect((await choose({ ...prior(10, 0.97), neighbourN: 10 })).chosen).toEqual([def]);
    // 4 of 10 from peers here are under the promotion's minN of 5; 5 of 10 are enough
    expect((await choose({ ...prior(10, 0.97), neighbourN: 6 })).chosen).toEqual([def]);
    expect((await choose({ ...prior(10, 0.97), neighbourN: 5 })).chosen).toEqual([brief]);
  });

  it('not on a lone report, a small gap, or no word about the defaults', async () => {
    const { optimizer, arms, def, brief } = await setup();
    // nobody said anything about the defaults: the variant is a likely challenger, not the incumbent
    const onlyVariant = await chooseArms(optimizer, TS_CONTEXT, arms, 1, { [brief.key]: prior(20, 0.99) });
    expect(onlyVariant.chosen).toEqual([def]);
    // too little evidence (under the promotion's minN of 5 pseudo-observations)
    const thin = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: prior(2, 0.4),
      [brief.key]: prior(2, 0.99),
    });
    expect(thin.chosen).toEqual([def]);
    // a gap the evidence cannot tell apart
    const close = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: { n: 6, sumQ: 6 * 0.8, sumQ2: 6 * (0.64 + 0.04) },
      [brief.key]: { n: 6, sumQ: 6 * 0.85, sumQ2: 6 * (0.7225 + 0.04) },
    });
    expect(close.chosen).toEqual([def]);
  });

  it('local outcomes take over: a variant peers praise but that does poorly here loses the place', async () => {
    const { learning, optimizer, arms, def, brief } = await setup();
    const priors = { [def.key]: prior(100, 0.5), [brief.key]: prior(100, 0.97) };
    await learning.ingest([...outcomes(brief, 0.3, 20), ...outcomes(def, 0.6, 20)]);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, priors);
    expect(choice.chosen).toEqual([def]);
    expect(choice.reason).toBe('incumbent: pack defaults');
  });

  it('a local promotion stands over peers evidence', async () => {
    const { learning, optimizer, arms, def, brief } = await setup();
    const none = find(arms, { doc_style: 'none', enum_style: 'constants', layout: 'official' });
    await learning.ingest([...outcomes(none, 0.95, 6), ...outcomes(def, 0.6, 6)]);
    await optimizer.review(TS_CONTEXT, arms);
    const priors = { [def.key]: prior(20, 0.5), [brief.key]: prior(20, 0.99), [none.key]: prior(20, 0.6) };
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, priors);
    expect(choice.chosen).toEqual([none]);
    expect(choice.reason).toBe('incumbent: promoted variant');
  });
});

describe('promotion may use peers evidence', () => {
  it('promotes on the variant own outcomes when peers have measured the defaults', async () => {
    const { arms, def, brief } = await setup();
    const priors = { [def.key]: prior(20, 0.55) };
    const withPeers = await setup(priors);
    const withoutPeers = await setup();
    for (const s of [withPeers, withoutPeers]) await s.learning.ingest(outcomes(brief, 0.96, 5));
    // without peers the defaults have no outcomes here: nothing to compare with
    expect(await withoutPeers.optimizer.review(TS_CONTEXT, arms)).toEqual([]);
    const [d, ...rest] = await withPeers.optimizer.review(TS_CONTEXT, arms);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      choice: { params: brief.params, n: 5, role: 'promoted' },
      alternatives: [{ params: def.params, n: 0, role: 'incumbent', priorN: 20 }],
    });
    expect(d.reason).toMatch(/vs posterior mean q 0\.548 over n=0 \(local mean -\) \+ 20 from peers/);
    expect(await withPeers.optimizer.promoted(TS_CONTEXT, 'typescript-semconv')).toEqual(brief.params);
  });

  it('never promotes a variant on peers evidence alone', async () => {
    const { arms, def, brief } = await setup();
    const s = await setup({ [def.key]: prior(20, 0.3), [brief.key]: prior(20, 0.99) });
    await s.learning.ingest(outcomes(def, 0.6, 10));
    expect(await s.optimizer.review(TS_CONTEXT, arms)).toEqual([]);
  });
});

describe('another pack takes the place', () => {
  it('on peers evidence, in a new context', async () => {
    const { optimizer, arms, def, other } = await setup(undefined, true);
    expect(other.packId).not.toBe(def.packId);
    const priors = { [def.key]: prior(20, 0.6), [other.key]: prior(20, 0.95) };
    expect((await chooseArms(optimizer, TS_CONTEXT, arms, 1)).chosen).toEqual([def]);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 2, priors);
    expect(choice.chosen[0]).toBe(other);
    expect(choice.reason).toMatch(/^incumbent: network-preferred arm of another pack community-ts style=b /);
  });

  it('not on the word of a minority: peers praise without full support does not count', async () => {
    const { optimizer, arms, def, other } = await setup(undefined, true);
    const minority = { ...prior(20, 0.97), support: 0.4 };
    expect(DEFAULT_NETWORK_PRIOR.minSupport).toBeGreaterThan(0.4);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: prior(20, 0.6),
      [other.key]: minority,
    });
    expect(choice.chosen).toEqual([def]);
    // the same evidence with full support takes the place
    const full = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: prior(20, 0.6),
      [other.key]: { ...minority, support: 1 },
    });
    expect(full.chosen).toEqual([other]);
  });

  it('at P(better) between the preference bar 0.8 and the promotion bar 0.95', async () => {
    const { optimizer, arms, def, other } = await setup(undefined, true);
    // equal spreads, 12 pseudo-observations each: P(better) about 0.87
    const spread = (n: number, q: number) => ({ n, sumQ: n * q, sumQ2: n * (q * q + 0.01) });
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: spread(12, 0.8),
      [other.key]: spread(12, 0.86),
    });
    expect(choice.chosen).toEqual([other]);
    const p = Number(/P\(better\) = ([\d.]+)/.exec(choice.reason)?.[1]);
    expect(p).toBeGreaterThanOrEqual(0.8);
    expect(p).toBeLessThan(0.95);
  });

  it('on its own outcomes here, where the promotion review compares only a pack with itself', async () => {
    const { learning, optimizer, arms, def, other } = await setup(undefined, true);
    await learning.ingest([...outcomes(other, 0.95, 4), ...outcomes(def, 0.6, 6)]);
    // four outcomes: below the promotion minimum of 5
    expect((await chooseArms(optimizer, TS_CONTEXT, arms, 1)).chosen).toEqual([def]);
    await learning.ingest(outcomes(other, 0.95, 1));
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1);
    expect(choice.chosen).toEqual([other]);
    expect(choice.reason).toMatch(
      /^incumbent: measured here arm of another pack .*5 outcomes of its own here/,
    );
    // the review never promotes across packs; the choice is remade from the evidence each time
    expect(await optimizer.review(TS_CONTEXT, arms)).toEqual([]);
  });

  it('over a promoted variant too, but never on a thin or close margin', async () => {
    const { learning, optimizer, arms, def, other } = await setup(undefined, true);
    const none = find(arms, { doc_style: 'none', enum_style: 'constants', layout: 'official' });
    await learning.ingest([...outcomes(none, 0.8, 6), ...outcomes(def, 0.6, 6)]);
    await optimizer.review(TS_CONTEXT, arms);
    expect((await chooseArms(optimizer, TS_CONTEXT, arms, 1)).chosen).toEqual([none]);
    await learning.ingest(outcomes(other, 0.81, 6));
    expect((await chooseArms(optimizer, TS_CONTEXT, arms, 1)).chosen).toEqual([none]);
    await learning.ingest(outcomes(other, 0.97, 6));
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1);
    expect(choice.chosen).toEqual([other]);
    expect(choice.reason).toMatch(/vs the promoted variant' /);
  });
});

const CTX = contextKey(TS_CONTEXT);
/** a peer's digest: n outcomes at mean q per arm key, in TS_CONTEXT */
const digestOf = (peer: string, says: [string, number, number][]): PeerDigest => ({
  peer,
  epoch: 1,
  entries: says.map(([armKey, n, q]) => ({
    contextKey: CTX,
    armKey,
    n,
    sumQ: n * q,
    sumQ2: n * (q * q + 0.001),
  })),
});

describe('a lone new peer does not move the incumbent', () => {
  it('one fresh peer alone cannot displace the pack defaults; once this node confirmed it, it can', async () => {
    const { optimizer, arms, def, brief } = await setup();
    const says: [string, number, number][] = [
      [def.key, 200, 0.45],
      [brief.key, 200, 0.98],
    ];
    const market = createMarketplace();
    expect(market.receiveDigest(digestOf('fresh', says), [])).toMatchObject({ ok: true, status: 'new' });
    // a new peer's trust (0.1) is a third of the trust quorum: a third of its evidence counts, too
    // little support to take the place (and too little for its praise to count at all)
    const lone = market.priorsFor(CTX, [def.key, brief.key]);
    expect(lone[def.key].support).toBeCloseTo(1 / 3, 12);
    const alone = await chooseArms(optimizer, TS_CONTEXT, arms, 1, lone);
    expect(alone.chosen).toEqual([def]);
    expect(alone.reason).toBe('incumbent: pack defaults');
    // this node measured the defaults as the peer said (n >= 5 on the same arm and context): one
    // agreeing vote raises the peer's trust to 0.4, past the quorum, and its word counts in full
    const mine = { contextKey: CTX, armKey: def.key, n: 6, sumQ: 6 * 0.45, sumQ2: 6 * (0.45 * 0.45 + 0.001) };
    expect(market.recheck([mine])).toBe(1);
    expect(market.reputation.score('fresh')).toBeCloseTo(0.4, 12);
    const confirmed = market.priorsFor(CTX, [def.key, brief.key]);
    expect(confirmed[brief.key].support).toBe(1);
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, confirmed);
    expect(choice.chosen).toEqual([brief]);
    expect(choice.reason).toMatch(/^incumbent: network-preferred variant .*doc_style=brief/);
  });

  it('three new peers saying the same count in full, as one did before the trust quorum', () => {
    const ratings = createRatings({ weightOf: () => 0.1 }, { weightFloor: 0.1, trustQuorum: 0.3 });
    ratings.add(digestOf('p1', [['arm', 20, 0.9]]));
    expect(ratings.rating(CTX, 'arm')?.support).toBeCloseTo(1 / 3, 12);
    expect(ratings.priorsFor(CTX, ['arm']).arm.n).toBeCloseTo(20 / 3, 9);
    ratings.add(digestOf('p2', [['arm', 20, 0.9]]));
    expect(ratings.rating(CTX, 'arm')?.support).toBeCloseTo(2 / 3, 12);
    ratings.add(digestOf('p3', [['arm', 20, 0.9]]));
    expect(ratings.rating(CTX, 'arm')?.support).toBe(1);
    // without the quorum (relative weights alone) the lone peer counted in full
    const relative = createRatings({ weightOf: () => 0.1 }, { weightFloor: 0.1 });
    relative.add(digestOf('p1', [['arm', 20, 0.9]]));
    expect(relative.rating(CTX, 'arm')?.support).toBe(1);
  });
});

describe('sybils praising a bad arm', () => {
  it('at 20% of the peers (low support), the bad arm is drawn as a challenger no more often than with no priors', async () => {
    const { arms, def, other } = await setup(undefined, true);
    const bad = arms.filter((a) => a.packName === 'community-ts');
    const builtin = arms.filter((a) => a.packName !== 'community-ts');
    // eight honest peers ran the built-in variants (q as the sim's worlds draw them: the defaults
    // 0.9, the others 0.8 to 0.9); two sybils praise the bad pack, which no honest peer ran
    const honest = builtin.map((a, i): [string, number, number] => [
      a.key,
      20,
      a === def ? 0.9 : 0.8 + i / 200,
    ]);
    const lies = bad.map((a): [string, number, number] => [a.key, 30, 0.97]);
    const marketOf = (sybils: number) => {
      const market = createMarketplace();
      for (let i = 0; i < 8; i++) market.receiveDigest(digestOf(`honest-${i}`, honest), []);
      for (let i = 0; i < sybils; i++) market.receiveDigest(digestOf(`sybil-${i}`, lies), []);
      return market.priorsFor(
        CTX,
        arms.map((a) => a.key),
      );
    };
    const priors = marketOf(2);
    expect(priors[other.key].n).toBeGreaterThan(0);
    expect(priors[other.key].support).toBeLessThan(DEFAULT_NETWORK_PRIOR.minSupport);
    // the same draws (a fresh optimizer, the same seed) with no priors, the honest ones, and the sybils' too
    const rounds = 300;
    const drawn = async (p?: Record<string, ArmPrior>) => {
      const { optimizer } = await setup(undefined, true);
      let times = 0;
      for (let i = 0; i < rounds; i++) {
        const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 2, p);
        if (choice.chosen.slice(1).some((a) => a.packName === 'community-ts')) times++;
      }
      return times;
    };
    const none = await drawn();
    const honestOnly = await drawn(marketOf(0));
    const withSybils = await drawn(priors);
    console.log(
      `[sybils] bad arm drawn as challenger in ${rounds} generations: ${withSybils} with the sybils' priors, ${honestOnly} with the honest ones alone, ${none} with none`,
    );
    expect(none).toBeGreaterThan(0);
    expect(withSybils).toBeLessThanOrEqual(none);
    // nor more often than if they had said nothing (an arm nobody reported is drawn more often
    // beside well-known ones than among arms all unknown)
    expect(withSybils).toBeLessThanOrEqual(honestOnly);
  });
});

describe('honest discovery', () => {
  it('a better variant two peers in good standing ran, and the others have not, is the challenger a new node tries', async () => {
    const { arms, def, brief } = await setup();
    // ten peers ran the defaults and four variants alike (so they agree with one another); two of them
    // also ran the brief variant, far better: a fifth of the context's voices, below the support minimum
    const common = arms.filter((a) => a !== brief).slice(0, 5);
    expect(common).toContain(def);
    const says = common.map((a): [string, number, number] => [a.key, 20, a === def ? 0.85 : 0.8]);
    const market = createMarketplace();
    for (let i = 0; i < 10; i++)
      market.receiveDigest(digestOf(`peer-${i}`, i < 2 ? [...says, [brief.key, 20, 0.98]] : says), []);
    const priors = market.priorsFor(
      CTX,
      arms.map((a) => a.key),
    );
    expect(priors[brief.key].support).toBeLessThan(DEFAULT_NETWORK_PRIOR.minSupport);
    expect(priors[brief.key].standing).toBeGreaterThanOrEqual(DEFAULT_NETWORK_PRIOR.minStanding);
    // the same praise from peers that have earned nothing (the cap applies): for comparison
    const { standing: _, ...unvouched } = priors[brief.key];
    const rounds = 40;
    const tried = async (p: Record<string, ArmPrior>) => {
      const { optimizer } = await setup();
      let times = 0;
      for (let i = 0; i < rounds; i++) {
        const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 2, p);
        if (choice.chosen.slice(1).includes(brief)) times++;
      }
      return times;
    };
    const vouched = await tried(priors);
    const capped = await tried({ ...priors, [brief.key]: unvouched });
    console.log(
      `[discovery] brief variant drawn as challenger in ${rounds} generations: ${vouched} vouched, ${capped} capped`,
    );
    expect(vouched).toBeGreaterThanOrEqual(rounds / 2);
    expect(capped).toBeLessThan(rounds * 0.25);
  });

  it('peers in good standing put their variant first once this node has seen it do as well here twice', async () => {
    const { arms, def, brief } = await setup();
    // what the marketplace hands over for a variant two agreeing peers of ten ran at length
    const minority = { ...prior(20, 0.97), support: 0.4 };
    const priors = (standing: number) => ({
      [def.key]: { ...prior(20, 0.8), support: 1, standing: 0.6 },
      [brief.key]: { ...minority, standing },
    });
    const incumbent = async (standing: number, local: number[] = []) => {
      const { learning, optimizer } = await setup();
      if (local.length > 0) await learning.ingest(local.flatMap((q) => outcomes(brief, q, 1)));
      return (await chooseArms(optimizer, TS_CONTEXT, arms, 1, priors(standing))).chosen[0];
    };
    const { minStanding } = DEFAULT_NETWORK_PRIOR;
    // on their word alone it stays a challenger, however good it looks
    expect(await incumbent(minStanding)).toBe(def);
    // two outcomes of this node's own at least as good as the defaults' posterior: first
    expect(await incumbent(minStanding, [0.96, 0.95])).toBe(brief);
    // one lucky outcome is not enough (a flaky arm), nor two that are not as good (one breaks here)
    expect(await incumbent(minStanding, [0.96])).toBe(def);
    expect(await incumbent(minStanding, [0.96, 0.3])).toBe(def);
    // from peers without standing, a light minority stays a challenger whatever this node saw
    expect(await incumbent(minStanding * 0.9, [0.96, 0.95])).toBe(def);
  });

  it('peers that copy the others to earn standing and push an arm that breaks here cost challenger slots, never the incumbent', async () => {
    const { arms, def, brief } = await setup();
    const common = arms.filter((a) => a !== brief).slice(0, 5);
    const q = (a: Arm) => (a === brief ? 0.2 : a === def ? 0.85 : 0.8);
    const says = common.map((a): [string, number, number] => [a.key, 20, q(a)]);
    const market = createMarketplace();
    // eight honest peers; two copy them word for word and praise an arm nobody else ran
    for (let i = 0; i < 10; i++)
      market.receiveDigest(digestOf(`peer-${i}`, i < 2 ? [...says, [brief.key, 30, 0.97]] : says), []);
    const priors = market.priorsFor(
      CTX,
      arms.map((a) => a.key),
    );
    expect(priors[brief.key].standing).toBeGreaterThanOrEqual(DEFAULT_NETWORK_PRIOR.minStanding);
    const { learning, optimizer } = await setup();
    const drawn: number[] = [];
    for (let g = 0; g < 40; g++) {
      const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 2, priors);
      expect(choice.chosen[0]).not.toBe(brief);
      if (choice.chosen.includes(brief)) drawn.push(g);
      await learning.ingest(choice.chosen.flatMap((a) => outcomes(a, q(a), 1)));
    }
    console.log(`[copiers] the pushed arm was the challenger in generations ${JSON.stringify(drawn)} of 40`);
    // this node's own outcomes judge it: drawn at first, then rarely
    expect(drawn.filter((g) => g < 10).length).toBeGreaterThan(0);
    expect(drawn.filter((g) => g >= 20).length).toBeLessThanOrEqual(2);
  });
});
