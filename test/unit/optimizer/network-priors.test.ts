import { afterEach, describe, expect, it } from 'vitest';
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
    // what the marketplace's back-off hands over: 10 pseudo-observations, 8 of them from neighbours
    const near = { ...prior(10, 0.97), neighbourN: 8 };
    const choice = await chooseArms(optimizer, TS_CONTEXT, arms, 1, {
      [def.key]: prior(10, 0.5),
      [brief.key]: near,
    });
    expect(choice.chosen).toEqual([brief]);
    expect(choice.reason).toMatch(
      /peers' digests, weighted by trust \(80% of them from neighbouring contexts\)$/,
    );
    expect(networkPrior(near, 10, DEFAULT_NETWORK_PRIOR)?.neighbourN).toBeCloseTo(4, 12);
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

  it('not on the word of a minority: peers evidence without full support stays a challenger prior', async () => {
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
