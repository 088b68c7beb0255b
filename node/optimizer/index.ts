import type { ArmStats } from '../learning/arm-stats.js';
import { contextKey, type GenerationContext, parseContextKey } from '../learning/context.js';
import { type PromotionDecision, readPromotions } from '../learning/decisions.js';
import type { Learning } from '../learning/index.js';
import type { Store } from '../storage/index.js';
import { type Arm, BUILTIN_MODEL } from './arms.js';
import { OptimizerError, OptimizerErrorCode } from './errors.js';
import {
  DEFAULT_PROMOTION_RULE,
  decidePromotion,
  type PromotionRule,
  readPromoted,
  recordPromotion,
  variantsByPack,
} from './promotion.js';
import { type Random, seededRandom } from './random.js';
import { type ArmPrior, posterior, thompsonRank } from './thompson.js';

export { type Arm, armOf, BUILTIN_MODEL, enumerateArms, packIdOf, paramCombinations } from './arms.js';
export { OptimizerError, OptimizerErrorCode, type OptimizerErrorType } from './errors.js';
export { DEFAULT_PROMOTION_RULE, type PromotionRule } from './promotion.js';
export { type Random, seededRandom } from './random.js';
export {
  type ArmPrior,
  BASE_PRIOR,
  type Evidence,
  type Posterior,
  posterior,
  probabilityBetter,
} from './thompson.js';

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
  promotion?: Partial<PromotionRule>;
}

export interface OptimizerComponents {
  store: Store;
  learning: Learning;
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
  const backoff = init.backoff ?? 2;
  const rule = { ...DEFAULT_PROMOTION_RULE, ...init.promotion };
  let reviews: Promise<unknown> = Promise.resolve();
  const keyOf = (c: GenerationContext | string) => (typeof c === 'string' ? c : contextKey(c));

  /** The same arm's evidence in the other contexts of this language and generator, scaled to `backoff` observations. */
  function backoffPriors(ctx: string, all: ArmStats[]): Map<string, ArmPrior> {
    const out = new Map<string, ArmPrior>();
    const here = parseContextKey(ctx);
    if (backoff <= 0 || !here) return out;
    const pooled = new Map<string, { n: number; sumQ: number; sumQ2: number }>();
    for (const s of all) {
      const c = parseContextKey(s.contextKey);
      if (s.contextKey === ctx || !c || c.language !== here.language || c.generator !== here.generator)
        continue;
      const p = pooled.get(s.armKey) ?? { n: 0, sumQ: 0, sumQ2: 0 };
      pooled.set(s.armKey, { n: p.n + s.n, sumQ: p.sumQ + s.sumQ, sumQ2: p.sumQ2 + s.sumQ2 });
    }
    for (const [k, p] of pooled) {
      const w = Math.min(1, backoff / p.n);
      out.set(k, { n: p.n * w, sumQ: p.sumQ * w, sumQ2: p.sumQ2 * w });
    }
    return out;
  }

  return {
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
      const [local, all] = await Promise.all([learning.armStats(ctx), learning.allArmStats()]);
      const byArm = new Map(local.map((s) => [s.armKey, s]));
      const back = backoffPriors(ctx, all);
      const ranked = thompsonRank(
        unique.map((arm) => {
          const priors = [options.priors?.[arm.key], back.get(arm.key)].filter((p): p is ArmPrior => !!p);
          return { item: arm, posterior: posterior(byArm.get(arm.key), priors) };
        }),
        options.random ?? random,
      );
      const best = ranked.reduce((b, x) => (x.posterior.mean > b.posterior.mean ? x : b));
      const take = Math.min(k, ranked.length);
      const cut = ranked[take - 1].sample;
      const view = (x: (typeof ranked)[number], i: number): ArmChoice => {
        const p = x.posterior;
        const evidence = `n=${p.n}${p.priorN > 0 ? ` + ${round(p.priorN)} prior` : ''}`;
        let reason: string;
        if (i >= take)
          reason = `not chosen: draw ${f3(x.sample)} below the ${ordinal(take)} chosen draw ${f3(cut)} (mean ${f3(p.mean)}, ${evidence})`;
        else if (x === best)
          reason = `exploit: highest posterior mean q ${f3(p.mean)} ± ${f3(p.sd)} (${evidence}), draw ${f3(x.sample)}`;
        else if (p.n === 0 && p.priorN === 0)
          reason = `explore: never tried in this context; its draw ${f3(x.sample)} from the wide base prior ranked ${ordinal(i + 1)}`;
        else
          reason = `explore: draw ${f3(x.sample)} ranked ${ordinal(i + 1)} although its mean ${f3(p.mean)} ± ${f3(p.sd)} (${evidence}) is below the best mean ${f3(best.posterior.mean)}`;
        return { arm: x.item, sample: x.sample, mean: p.mean, sd: p.sd, n: p.n, priorN: p.priorN, reason };
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
        const out: PromotionDecision[] = [];
        for (const pack of variantsByPack(arms, stats).values()) {
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
