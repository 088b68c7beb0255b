import { contextKey, type GenerationContext } from '../learning/context.js';
import { type PromotionDecision, readPromotions } from '../learning/decisions.js';
import type { Learning } from '../learning/index.js';
import type { Store } from '../storage/index.js';
import { type Arm, BUILTIN_MODEL } from './arms.js';
import { type ArmAssessment, type CostRule, createAssessor, DEFAULT_COST_RULE } from './assess.js';
import { OptimizerError, OptimizerErrorCode } from './errors.js';
import { DEFAULT_NETWORK_PRIOR, type NetworkPriorRule } from './network.js';
import {
  DEFAULT_PROMOTION_RULE,
  decidePromotion,
  type PromotionRule,
  readPromoted,
  recordPromotion,
  variantsByPack,
} from './promotion.js';
import { type Random, seededRandom } from './random.js';
import { type ArmPrior, thompsonRank } from './thompson.js';

export { type Arm, armOf, BUILTIN_MODEL, enumerateArms, packIdOf, paramCombinations } from './arms.js';
export {
  type ArmAssessment,
  type CostEstimate,
  type CostRule,
  DEFAULT_COST_RULE,
  refreshAfter,
} from './assess.js';
export { OptimizerError, OptimizerErrorCode, type OptimizerErrorType } from './errors.js';
export { DEFAULT_NETWORK_PRIOR, type NetworkPriorRule, networkPrior } from './network.js';
export { DEFAULT_PROMOTION_RULE, type PromotionRule } from './promotion.js';
export { type Random, seededRandom } from './random.js';
export { type Steer, steerFor, steeringRules } from './steering.js';
export {
  type ArmPrior,
  BASE_PRIOR,
  type Evidence,
  type Posterior,
  posterior,
  probabilityBetter,
} from './thompson.js';
export { type ArmQuality, armQualities } from './view.js';

export interface OptimizerInit {
  /** uniform [0, 1) source for the draws; default Math.random, or seededRandom(seed) when a seed is given */
  random?: Random;
  seed?: number;
  /**
   * At most this many pseudo-observations of the same arm from the node's other contexts of the
   * same language and generator (default 2; 0 disables): a new context starts from what the
   * neighbours showed, and its own evidence outweighs that after a few generations.
   */
  backoff?: number;
  /**
   * Pseudo-observations (default 1; 0 disables) of what a pack's other variants in the context
   * predict for an arm (structure.ts: an additive model over parameter values), so an untried
   * variant sharing the values that failed here is drawn late, and one sharing the values that did
   * well is drawn early.
   */
  structure?: number;
  promotion?: Partial<PromotionRule>;
  /**
   * How peers' priors count beside local outcomes (network.ts): at most `maxN` pseudo-observations
   * per arm (default 20), halved at `takeover` local outcomes (default 10) and falling from there.
   */
  network?: Partial<NetworkPriorRule>;
  /**
   * Mined failure rules steer the choice (default on): an arm never tried in a context whose shape
   * an informative `... => compile_failure | low_quality` rule names for it gets the rule's rows as a
   * prior of `strength` pseudo-observations (default 2), so it is drawn later as a challenger; and
   * while the context is new (fewer than `fresh` outcomes of its own, default 5, a promotion's
   * minimum) such an arm is not the incumbent and such a model is not run (steering.ts, incumbent.ts).
   * After that the context's own outcomes and the promotion review decide: a rule generalizes from
   * other contexts, and if it held arms back for good it could never be found wrong.
   */
  rules?: boolean | { strength?: number; fresh?: number };
  /**
   * Cost-aware choice among model arms (default on): when an arm reaches the bar in the context,
   * the cheapest such arm runs and dearer models do not (chooseArms in incumbent.ts).
   */
  cost?: boolean | Partial<CostRule>;
}

export interface OptimizerComponents {
  store: Store;
  learning: Learning;
  /**
   * Peers' priors for a context's arms (node/peering.ts: the marketplace's trust-weighted robust
   * aggregate), read by the promotion review; choices get them through ChooseOptions.priors.
   */
  priors?(contextKey: string, armKeys: string[]): Record<string, ArmPrior>;
}

export interface ArmChoice {
  arm: Arm;
  /** the Thompson draw that ranked it */
  sample: number;
  /** posterior mean and sd of its expected q */
  mean: number;
  sd: number;
  /** local outcomes in this context */
  n: number;
  /** pseudo-observations from priors and back-off */
  priorN: number;
  reason: string;
  /** the failure rule that held the arm back in this context, as text */
  rule?: string;
}

export interface Choice {
  context: string;
  policy: 'thompson';
  /** k distinct arms, best draw first */
  chosen: ArmChoice[];
  /** every other arm considered, best draw first */
  alternatives: ArmChoice[];
}

export interface ChooseOptions {
  /** pseudo-counts per arm key, already discounted (peers' digests weighted by trust) */
  priors?: Record<string, ArmPrior>;
  random?: Random;
}

export interface Optimizer {
  readonly settings: {
    /** q at or above which an outcome reaches the bar (the learning's success threshold) */
    successThreshold: number;
    /** mined failure rules steer choices */
    rules: boolean;
    /** a context with fewer outcomes of its own is new: rules may replace its incumbent and skip models */
    freshOutcomes: number;
    /** the cost rule, when the choice among model arms is cost-aware */
    cost?: CostRule;
    /** when a variant replaces the one in force (recorded), and the lower bar to run another arm first (preferProbability) */
    promotion: PromotionRule;
    /** how peers' priors count beside local outcomes */
    network: NetworkPriorRule;
  };
  /** Every arm's posterior, steering rule, cost and whether it reaches the bar in `context`, without drawing. */
  assess(context: GenerationContext | string, arms: Arm[], options?: ChooseOptions): Promise<ArmAssessment[]>;
  /** k distinct arms for a generation in `context`, by Thompson sampling over the arms' posteriors. */
  choose(
    context: GenerationContext | string,
    arms: Arm[],
    k?: number,
    options?: ChooseOptions,
  ): Promise<Choice>;
  /** Checks every pack among `arms` for a variant to promote in `context`; returns the decisions recorded now. */
  review(context: GenerationContext | string, arms: Arm[]): Promise<PromotionDecision[]>;
  /** The params promoted for a pack in a context, if any. */
  promoted(
    context: GenerationContext | string,
    packName: string,
  ): Promise<Record<string, string> | undefined>;
  promotions(context?: GenerationContext | string): Promise<PromotionDecision[]>;
}

export function createOptimizer(components: OptimizerComponents, init: OptimizerInit = {}): Optimizer {
  const { store, learning } = components;
  const random = init.random ?? (init.seed !== undefined ? seededRandom(init.seed) : Math.random);
  const rule = { ...DEFAULT_PROMOTION_RULE, ...init.promotion };
  const network = { ...DEFAULT_NETWORK_PRIOR, ...init.network };
  const ruleInit = init.rules === false ? undefined : init.rules === true ? {} : (init.rules ?? {});
  const ruleStrength = ruleInit ? (ruleInit.strength ?? 2) : 0;
  const cost: CostRule | undefined =
    init.cost === false ? undefined : { ...DEFAULT_COST_RULE, ...(init.cost === true ? {} : init.cost) };
  const assessArms = createAssessor(learning, {
    backoff: init.backoff ?? 2,
    structure: init.structure ?? 1,
    ruleStrength,
    cost: cost ?? DEFAULT_COST_RULE,
    network,
  });
  let reviews: Promise<unknown> = Promise.resolve();
  const keyOf = (c: GenerationContext | string) => (typeof c === 'string' ? c : contextKey(c));

  return {
    settings: {
      successThreshold: learning.successThreshold,
      rules: ruleStrength > 0,
      freshOutcomes: ruleInit?.fresh ?? DEFAULT_PROMOTION_RULE.minN,
      ...(cost ? { cost } : {}),
      promotion: rule,
      network,
    },

    assess: (context, arms, options = {}) => assessArms(keyOf(context), arms, options.priors),

    async choose(context, arms, k = 1, options = {}) {
      const ctx = keyOf(context);
      const unique = [...new Map(arms.map((a) => [a.key, a])).values()];
      if (unique.length === 0)
        throw new OptimizerError(
          { code: OptimizerErrorCode.NO_ARMS, context: ctx },
          `no arms to choose from in ${ctx}`,
        );
      if (!Number.isInteger(k) || k < 1)
        throw new OptimizerError(
          { code: OptimizerErrorCode.BAD_K, k },
          `k must be a positive integer, got ${k}`,
        );
      const assessed = await assessArms(ctx, unique, options.priors);
      const ranked = thompsonRank(
        assessed.map((a) => ({ item: a, posterior: a.posterior })),
        options.random ?? random,
      );
      const best = ranked.reduce((b, x) => (x.posterior.mean > b.posterior.mean ? x : b));
      const take = Math.min(k, ranked.length);
      const cut = ranked[take - 1].sample;
      const view = (x: (typeof ranked)[number], i: number): ArmChoice => {
        const p = x.posterior;
        const evidence = `n=${p.n}${p.priorN > 0 ? ` + ${round(p.priorN)} prior` : ''}`;
        const held = x.item.steer ? `; held back by ${x.item.steer.text}` : '';
        let reason: string;
        if (i >= take)
          reason = `not chosen: draw ${f3(x.sample)} below the ${ordinal(take)} chosen draw ${f3(cut)} (mean ${f3(p.mean)}, ${evidence})${held}`;
        else if (x === best)
          reason = `exploit: highest posterior mean q ${f3(p.mean)} ± ${f3(p.sd)} (${evidence}), draw ${f3(x.sample)}${held}`;
        else if (p.n === 0 && p.priorN === 0)
          reason = `explore: never tried in this context; its draw ${f3(x.sample)} from the wide base prior ranked ${ordinal(i + 1)}`;
        else
          reason = `explore: draw ${f3(x.sample)} ranked ${ordinal(i + 1)} although its mean ${f3(p.mean)} ± ${f3(p.sd)} (${evidence}) is below the best mean ${f3(best.posterior.mean)}${held}`;
        return {
          arm: x.item.arm,
          sample: x.sample,
          mean: p.mean,
          sd: p.sd,
          n: p.n,
          priorN: p.priorN,
          reason,
          ...(x.item.steer ? { rule: x.item.steer.text } : {}),
        };
      };
      const views = ranked.map(view);
      return {
        context: ctx,
        policy: 'thompson',
        chosen: views.slice(0, take),
        alternatives: views.slice(take),
      };
    },

    review(context, arms) {
      const ctx = keyOf(context);
      // serialized: two concurrent reviews must not both record the same promotion
      const run = reviews.then(async () => {
        const stats = await learning.armStats(ctx);
        // peers' evidence, counted as choices count it: a promotion may rest on it for the variant
        // in force, never for the one promoted (that takes local outcomes)
        const priors = components.priors?.(
          ctx,
          arms.map((a) => a.key),
        );
        const out: PromotionDecision[] = [];
        for (const pack of variantsByPack(arms, stats, priors, network).values()) {
          const current = await readPromoted(store, ctx, pack.packName, pack.model);
          const d = decidePromotion(ctx, pack, current?.paramsHash, rule, Date.now());
          if (!d) continue;
          await recordPromotion(store, d);
          out.push(d);
        }
        return out;
      });
      reviews = run.catch(() => undefined);
      return run;
    },

    async promoted(context, packName, model = BUILTIN_MODEL) {
      return (await readPromoted(store, keyOf(context), packName, model))?.params;
    },

    promotions: (context) => readPromotions(store, context === undefined ? undefined : keyOf(context)),
  };
}

const f3 = (x: number) => x.toFixed(3);
const round = (x: number) => Math.round(x * 10) / 10;
const ordinal = (i: number) => (i === 1 ? '1st' : i === 2 ? '2nd' : i === 3 ? '3rd' : `${i}th`);

export { chooseArms } from './incumbent.js';
