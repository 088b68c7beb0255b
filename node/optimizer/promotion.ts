import { type ArmStats, meanOf } from '../learning/arm-stats.js';
import {
  type PromotedPointer,
  type PromotionDecision,
  promotedKey,
  promotionKey,
  readPromoted,
  type VariantSummary,
} from '../learning/decisions.js';
import type { Store } from '../storage/index.js';
import type { Arm } from './arms.js';
import { type NetworkPriorRule, networkPrior } from './network.js';
import { type ArmPrior, type Evidence, type Posterior, posterior, probabilityBetter } from './thompson.js';

/**
 * When a variant replaces the one in force (the pack's default, or the variant promoted before):
 * the challenger has at least `minN` local outcomes in the context, the one in force at least `minN`
 * outcomes counting peers' evidence (the network's priors, weighted by trust and counted as the
 * network rule says: local evidence takes over as it grows), the posterior probability that the
 * challenger's mean q is higher is at least `minProbability`, and its posterior mean is higher by
 * at least `minGain` (so a certain but useless 0.001 never churns the choice). Posteriors include
 * peers' evidence on both sides.
 */
export interface PromotionRule {
  minN: number;
  minProbability: number;
  minGain: number;
  /**
   * P(better) a choice needs to run another arm in the place of the one in force for one
   * generation, on peers' evidence or another pack's outcomes (incumbent.ts). Lower than a
   * promotion's: nothing is recorded, the choice is remade from the evidence every time, the arm it
   * displaces can still be drawn as a challenger, and the user gets the better of the two.
   */
  preferProbability: number;
}

export const DEFAULT_PROMOTION_RULE: PromotionRule = {
  minN: 5,
  minProbability: 0.95,
  minGain: 0.01,
  preferProbability: 0.8,
};

interface Variant {
  params: Record<string, string>;
  paramsHash: string;
  isDefault: boolean;
  stats: Evidence;
  evidence: string[];
  /** peers' pseudo-observations in the posterior */
  priorN: number;
  posterior: Posterior;
}

export interface PackVariants {
  packName: string;
  packId: string;
  model: string;
  variants: Variant[];
}

/**
 * The variants of each (pack, model) among `arms` with their local statistics in the context. Per
 * model, because a model changes the output as much as params do (a model that truncates its output
 * must not drag a variant down under another). Only the arms offered count, so a new pack version
 * starts its own comparison. `priors` (peers' evidence per arm key) join each posterior as the
 * network rule counts them beside the arm's local outcomes.
 */
export function variantsByPack(
  arms: Arm[],
  stats: ArmStats[],
  priors: Record<string, ArmPrior> = {},
  network?: NetworkPriorRule,
): Map<string, PackVariants> {
  const byArm = new Map(stats.map((s) => [s.armKey, s]));
  const packs = new Map<string, Omit<PackVariants, 'variants'> & { variants: Map<string, Variant> }>();
  for (const arm of arms) {
    const id = `${arm.packName}!${arm.packId}!${arm.model}`;
    let pack = packs.get(id);
    if (!pack) {
      pack = { packName: arm.packName, packId: arm.packId, model: arm.model, variants: new Map() };
      packs.set(id, pack);
    }
    let v = pack.variants.get(arm.paramsHash);
    if (!v) {
      v = {
        params: arm.params,
        paramsHash: arm.paramsHash,
        isDefault: arm.isDefault,
        stats: { n: 0, sumQ: 0, sumQ2: 0 },
        evidence: [],
        priorN: 0,
        posterior: posterior(undefined),
      };
      pack.variants.set(arm.paramsHash, v);
    }
    const s = byArm.get(arm.key);
    if (s && v.stats.n === 0) {
      v.stats = { n: s.n, sumQ: s.sumQ, sumQ2: s.sumQ2 };
      v.evidence = [...s.evidence];
    }
    const peers =
      network && Object.hasOwn(priors, arm.key)
        ? networkPrior(priors[arm.key], v.stats.n, network)
        : undefined;
    if (peers) v.priorN = peers.n;
    v.posterior = posterior(v.stats.n > 0 ? v.stats : undefined, peers ? [peers] : []);
  }
  return new Map([...packs].map(([k, p]) => [k, { ...p, variants: [...p.variants.values()] }]));
}

/** The promotion `rule` asks for in one pack's variants, or undefined when the incumbent stands. */
export function decidePromotion(
  context: string,
  pack: PackVariants,
  incumbentHash: string | undefined,
  rule: PromotionRule,
  at: number,
): PromotionDecision | undefined {
  const incumbent =
    pack.variants.find((v) => v.paramsHash === incumbentHash) ?? pack.variants.find((v) => v.isDefault);
  if (!incumbent || incumbent.stats.n + incumbent.priorN < rule.minN) return undefined;
  const challengers = pack.variants
    .filter((v) => v !== incumbent && v.stats.n >= rule.minN)
    .sort((a, b) => b.posterior.mean - a.posterior.mean);
  const best = challengers[0];
  if (!best) return undefined;
  const p = probabilityBetter(best.posterior, incumbent.posterior);
  const gain = best.posterior.mean - incumbent.posterior.mean;
  if (p < rule.minProbability || gain < rule.minGain) return undefined;
  const summary = (v: Variant, role: VariantSummary['role']): VariantSummary => ({
    params: v.params,
    paramsHash: v.paramsHash,
    n: v.stats.n,
    meanQ: meanOf(v.stats),
    ...(v.priorN > 0 ? { priorN: v.priorN, posteriorMean: v.posterior.mean } : {}),
    ...(v === best ? {} : { pBetter: probabilityBetter(best.posterior, v.posterior) }),
    role,
  });
  const was =
    incumbent.paramsHash === incumbentHash && !incumbent.isDefault
      ? 'the variant promoted before'
      : 'the default';
  return {
    step: 'promotion',
    context,
    packName: pack.packName,
    packId: pack.packId,
    model: pack.model,
    choice: summary(best, 'promoted'),
    alternatives: [summary(incumbent, 'incumbent'), ...challengers.slice(1).map((v) => summary(v, 'other'))],
    reason:
      `${paramsLabel(best.params)} beats ${was} (${paramsLabel(incumbent.params)}): ${measured(best)} ` +
      `vs ${measured(incumbent)}, P(better) = ${p.toFixed(3)} >= ${rule.minProbability}, ` +
      `gain ${gain.toFixed(3)} >= ${rule.minGain}`,
    evidence: [...best.evidence, ...incumbent.evidence],
    at,
  };
}

/** what a variant's posterior rests on: its local mean, and peers' evidence when there is some */
const measured = (v: Variant) =>
  v.priorN > 0
    ? `posterior mean q ${v.posterior.mean.toFixed(3)} over n=${v.stats.n} (local mean ${v.stats.n > 0 ? meanOf(v.stats).toFixed(3) : '-'}) + ${(Math.round(v.priorN * 10) / 10).toString()} from peers`
    : `mean q ${meanOf(v.stats).toFixed(3)} over n=${v.stats.n}`;

const paramsLabel = (p: Record<string, string>) =>
  Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join(' ') || 'no params';

/**
 * Records a decision and makes it the one in force, in one atomic batch. The pointer is what turns
 * the next review into a comparison against the promoted variant, so a promotion is recorded once.
 */
export async function recordPromotion(store: Store, d: PromotionDecision): Promise<void> {
  const key = promotionKey(d.context, d.packName, d.at, d.choice.paramsHash, d.model);
  const pointer: PromotedPointer = {
    params: d.choice.params,
    paramsHash: d.choice.paramsHash,
    decisionKey: key,
    at: d.at,
  };
  await store.batch([
    { type: 'put', sublevel: 'decisions', key, value: d },
    { type: 'put', sublevel: 'decisions', key: promotedKey(d.context, d.packName, d.model), value: pointer },
  ]);
}

export { readPromoted };
