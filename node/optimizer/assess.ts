import { type ArmStats, costOf } from '../learning/arm-stats.js';
import { type GenerationContext, parseContextKey } from '../learning/context.js';
import type { Learning } from '../learning/index.js';
import type { Rule } from '../learning/rules.js';
import { type Arm, BUILTIN_MODEL } from './arms.js';
import { type NetworkPriorRule, networkPrior } from './network.js';
import { type Steer, steerFor, steeringRules } from './steering.js';
import { structurePriors } from './structure.js';
import { type ArmPrior, type Evidence, type Posterior, posterior } from './thompson.js';

/**
 * When an arm "reaches the bar" in a context, for the cost-aware choice among model arms: at least
 * `minN` local outcomes, and a share of them at or above the success threshold whose Laplace
 * estimate (successes + 1) / (n + 2) is at least `reachRate` (3 of 3 is 0.8, 7 of 8 is 0.8).
 */
export interface CostRule {
  minN: number;
  reachRate: number;
}

export const DEFAULT_COST_RULE: CostRule = { minN: 3, reachRate: 0.8 };

/** Expected USD per candidate of an arm, and what the estimate rests on. */
export interface CostEstimate {
  usd: number;
  basis: string;
}

/** What the optimizer knows of one arm in one context, before any draw. */
export interface ArmAssessment {
  arm: Arm;
  /** the arm's posterior with every prior: peers', the back-off, a steering rule's */
  posterior: Posterior;
  /** the peers' pseudo-observations in it, after the network rule (capped, and decayed by local n) */
  networkN: number;
  /** the share of the peers' evidence their support let count (marketplace support rule; 1 when full or unknown) */
  networkSupport: number;
  /** of networkN, what peers reported in neighbouring contexts (the marketplace's back-off) */
  networkNeighbourN: number;
  /** the reporters' standing (ArmPrior.standing), 0 when not known */
  networkStanding: number;
  /** local outcomes in this context, their mean q (0 when none), and how many reached the success threshold */
  n: number;
  meanQ: number;
  successes: number;
  /** the failure rule holding the arm back here (only for an arm never tried in this context) */
  steer?: Steer;
  /** 0 for the builtin engine; undefined when no outcome of this model carried a cost */
  cost?: CostEstimate;
  /** reaches the bar here by the cost rule */
  reaches: boolean;
  /** the context's own outcomes, every arm together (how new the context is) */
  contextN: number;
}

export interface AssessorInit {
  backoff: number;
  /** pseudo-observations of what a pack's other variants predict for an arm (structure.ts; 0: off) */
  structure: number;
  /** pseudo-observations a steering rule counts for (0: rules do not steer) */
  ruleStrength: number;
  cost: CostRule;
  /** how peers' priors count beside local outcomes (network.ts) */
  network: NetworkPriorRule;
}

/**
 * Re-mines the rules once the outcomes grew by half since the last mining (at least 20 and at most
 * 1,000 new outcomes): rules over thousands of outcomes do not turn on one generation, and mining
 * (about a second for 20,000 outcomes) on every choice would cost more than the generation.
 */
export const refreshAfter = (mined: number) => Math.max(20, Math.min(1000, Math.ceil(mined / 2)));

export function createAssessor(learning: Learning, init: AssessorInit) {
  let mined: { outcomes: number; rules: Rule[] } | undefined;
  let mining: Promise<Rule[]> | undefined;

  async function rulesFor(outcomes: number): Promise<Rule[]> {
    if (init.ruleStrength <= 0 || outcomes === 0) return [];
    if (mined && outcomes - mined.outcomes < refreshAfter(mined.outcomes)) return mined.rules;
    mining ??= learning
      .rules()
      .then((set) => {
        mined = { outcomes, rules: steeringRules(set.rules) };
        return mined.rules;
      })
      .finally(() => {
        mining = undefined;
      });
    return mining;
  }

  /** The same arm's evidence in the other contexts of this language and generator, scaled to `backoff` observations. */
  function backoffPriors(ctx: string, all: ArmStats[]): Map<string, ArmPrior> {
    const out = new Map<string, ArmPrior>();
    const here = parseContextKey(ctx);
    if (init.backoff <= 0 || !here) return out;
    const pooled = new Map<string, { n: number; sumQ: number; sumQ2: number }>();
    for (const s of all) {
      const c = parseContextKey(s.contextKey);
      if (s.contextKey === ctx || !c || c.language !== here.language || c.generator !== here.generator)
        continue;
      const p = pooled.get(s.armKey) ?? { n: 0, sumQ: 0, sumQ2: 0 };
      pooled.set(s.armKey, { n: p.n + s.n, sumQ: p.sumQ + s.sumQ, sumQ2: p.sumQ2 + s.sumQ2 });
    }
    for (const [k, p] of pooled) {
      const w = Math.min(1, init.backoff / p.n);
      out.set(k, { n: p.n * w, sumQ: p.sumQ * w, sumQ2: p.sumQ2 * w });
    }
    return out;
  }

  /**
   * Expected cost per candidate: the arm's own mean here, else its model's on registries of this
   * size (any prompt variant, any context), else its model's anywhere; the builtin engine costs nothing.
   */
  function costs(context: GenerationContext | undefined, all: ArmStats[]) {
    const pools = new Map<string, { n: number; usd: number }>();
    const add = (key: string, s: ArmStats) => {
      if (!s.costN) return;
      const p = pools.get(key) ?? { n: 0, usd: 0 };
      pools.set(key, { n: p.n + s.costN, usd: p.usd + (s.sumCostUsd ?? 0) });
    };
    for (const s of all) {
      if (s.model === BUILTIN_MODEL) continue;
      add(`any!${s.model}`, s);
      const c = parseContextKey(s.contextKey);
      if (c) add(`size!${c.sizeBucket}!${s.model}`, s);
    }
    return (arm: Arm, local: ArmStats | undefined): CostEstimate | undefined => {
      if (arm.model === BUILTIN_MODEL) return { usd: 0, basis: 'the builtin engine' };
      const own = local && costOf(local);
      if (local && own !== undefined) return { usd: own, basis: `this arm here, n=${local.costN}` };
      const size = context && pools.get(`size!${context.sizeBucket}!${arm.model}`);
      if (size && context)
        return {
          usd: size.usd / size.n,
          basis: `${arm.model} on ${context.sizeBucket} registries, n=${size.n}`,
        };
      const any = pools.get(`any!${arm.model}`);
      if (any) return { usd: any.usd / any.n, basis: `${arm.model} in other contexts, n=${any.n}` };
      return undefined;
    };
  }

  return async function assess(
    ctx: string,
    arms: Arm[],
    priors: Record<string, ArmPrior> = {},
  ): Promise<ArmAssessment[]> {
    const [local, all] = await Promise.all([learning.armStats(ctx), learning.allArmStats()]);
    const byArm = new Map(local.map((s) => [s.armKey, s]));
    const back = backoffPriors(ctx, all);
    const context = parseContextKey(ctx);
    const rules = context ? await rulesFor(all.reduce((n, s) => n + s.n, 0)) : [];
    const costOfArm = costs(context, all);
    const { minN, reachRate } = init.cost;
    const contextN = local.reduce((n, s) => n + s.n, 0);
    const peersOf = new Map(
      arms.map((a) => [a.key, networkPrior(priors[a.key], byArm.get(a.key)?.n ?? 0, init.network)]),
    );
    // what each arm's own evidence here says, with the peers' and the back-off, for the structure
    const evidenceOf = (arm: Arm): Evidence => {
      const parts = [byArm.get(arm.key), peersOf.get(arm.key), back.get(arm.key)];
      let n = 0;
      let sumQ = 0;
      for (const p of parts)
        if (p && p.n > 0) {
          n += p.n;
          sumQ += p.sumQ;
        }
      return { n, sumQ, sumQ2: 0 };
    };
    const structure = structurePriors(arms, evidenceOf, init.structure);
    return arms.map((arm) => {
      const stats = byArm.get(arm.key);
      const n = stats?.n ?? 0;
      const successes = stats?.successes ?? 0;
      // a rule speaks for arms never tried here: once tried, the arm's own outcomes say more
      const steer = context && n === 0 ? steerFor(rules, context, arm, init.ruleStrength) : undefined;
      const peers = peersOf.get(arm.key);
      const extra = [peers, back.get(arm.key), steer?.prior, structure.get(arm.key)].filter(
        (p): p is ArmPrior => !!p,
      );
      const cost = costOfArm(arm, stats);
      return {
        arm,
        posterior: posterior(stats, extra),
        networkN: peers?.n ?? 0,
        networkSupport: peers?.support ?? 1,
        networkNeighbourN: peers?.neighbourN ?? 0,
        networkStanding: peers?.standing ?? 0,
        n,
        meanQ: stats && n > 0 ? stats.sumQ / n : 0,
        successes,
        ...(steer ? { steer } : {}),
        ...(cost ? { cost } : {}),
        reaches: n >= minN && (successes + 1) / (n + 2) >= reachRate,
        contextN,
      };
    });
  };
}

export const usd = (x: number) => (x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(4)}`);
