import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { candidateAttributes, createLearning } from '../node/learning/index.js';
import {
  type Arm,
  BUILTIN_MODEL,
  chooseArms,
  createOptimizer,
  seededRandom,
} from '../node/optimizer/index.js';
import { createStore } from '../node/storage/index.js';
import { ATTR, SPAN } from '../node/telemetry/conventions.js';
import { createTelemetry } from '../node/telemetry/index.js';
import { drawOutcome, type Outcome, type SimContext, type World } from './learning-world.js';

export interface Candidate {
  arm: Arm;
  outcome: Outcome;
}

export interface Decision {
  arms: Arm[];
  reason?: string;
  alternatives?: string[];
}

/** A way of choosing the candidates of a generation; the winner is always the best observed q. */
export interface Policy {
  name: string;
  choose(generation: number, c: SimContext): Promise<Decision>;
  observe(generation: number, c: SimContext, candidates: Candidate[]): Promise<void>;
  close(): Promise<void>;
  /** promotions the policy recorded, for the report */
  promotions?(): Promise<number>;
}

const templates = (c: SimContext) => c.arms.filter((a) => a.model === BUILTIN_MODEL);
const modelsOf = (c: SimContext) => [
  ...new Set(c.arms.filter((a) => a.model !== BUILTIN_MODEL).map((a) => a.model)),
];

/** Always the pack defaults, plus every model with its default prompt. */
export function defaultsPolicy(): Policy {
  return {
    name: 'defaults only',
    async choose(_g, c) {
      return { arms: c.arms.filter((a) => a.isDefault) };
    },
    async observe() {},
    async close() {},
  };
}

/** k template arms at random, plus every model with a prompt variant at random: the product's candidate budget, no learning. */
export function uniformPolicy(seed: number, k: number): Policy {
  const r = seededRandom(seed * 31 + 5);
  return {
    name: 'uniform',
    async choose(_g, c) {
      const pool = [...templates(c)];
      const arms: Arm[] = [];
      while (arms.length < k && pool.length > 0) arms.push(pool.splice(Math.floor(r() * pool.length), 1)[0]);
      for (const m of modelsOf(c)) {
        const variants = c.arms.filter((a) => a.model === m);
        arms.push(variants[Math.floor(r() * variants.length)]);
      }
      return { arms };
    },
    async observe() {},
    async close() {},
  };
}

/** Knows the hidden qualities: the best arm of the context alone, or the cheapest reaching the bar. */
export function oraclePolicy(kind: 'best' | 'cheapest'): Policy {
  return {
    name: kind === 'best' ? 'oracle (best arm)' : 'oracle (cheapest arm at the bar)',
    async choose(_g, c) {
      return { arms: [kind === 'best' ? c.best : c.cheapest] };
    },
    async observe() {},
    async close() {},
  };
}

/**
 * The node's own path for a generation's choice, over a real LevelDB store: chooseArms with the real
 * optimizer (incumbent, Thompson challengers, steering rules, cost rule), the candidates' spans through
 * the real tracer and LevelDB span exporter, learning.ingestGeneration reading them back, then the
 * promotion review, in the order node.ts runs them. Not simulated: the reasoning loop's later rounds.
 */
export async function productPolicy(
  world: Pick<World, 'seed'>,
  name: string,
  k: number,
  init: {
    rules?: boolean;
    cost?: boolean;
    /** the structure prior's strength (the optimizer's default when absent; 0: off) */
    structure?: number;
    /** network priors for a context's arms (what the marketplace gives node/peering.ts); none by default */
    priors?: (contextKey: string, arms: Arm[]) => Record<string, { n: number; sumQ: number; sumQ2?: number }>;
    /** span ids say which run they belong to */
    idPrefix?: string;
    /** the optimizer's seed (default the world's) */
    seed?: number;
  } = {},
): Promise<Policy> {
  const { priors, idPrefix = 'bench', seed = world.seed, ...optimizerInit } = init;
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-bench-learning-'));
  const store = await createStore({ path: dir });
  const telemetry = await createTelemetry({ store }, { serviceName: 'weavergen-bench' });
  const learning = createLearning({ store });
  // as node.ts wires it: the promotion review reads the peers' priors too
  const byKey = new Map<string, Arm[]>();
  const optimizer = createOptimizer(
    {
      store,
      learning,
      ...(priors
        ? {
            priors: (context: string, armKeys: string[]) => {
              const arms = byKey.get(context);
              if (!arms) return {};
              const all = priors(context, arms);
              return Object.fromEntries(armKeys.filter((a) => all[a]).map((a) => [a, all[a]]));
            },
          }
        : {}),
    },
    { seed, ...optimizerInit },
  );
  return {
    name,
    async choose(_g, c) {
      byKey.set(c.key, c.arms);
      const choice = await chooseArms(optimizer, c.context, c.arms, k, priors?.(c.key, c.arms) ?? {});
      return { arms: choice.chosen, reason: choice.reason, alternatives: choice.alternatives };
    },
    async observe(g, c, candidates) {
      const id = `${idPrefix}-${world.seed}-${g}`;
      const gen = telemetry.tracer.startSpan(SPAN.generation, { attributes: { [ATTR.generationId]: id } });
      const inGen = trace.setSpan(ROOT_CONTEXT, gen);
      for (const { arm, outcome } of candidates) {
        const quality = {
          q: outcome.q,
          components: {
            compiled: outcome.compiled,
            completeness: 1,
            naming: 1,
            documentation: 1,
            deprecation: 1,
            warnings: 1,
          },
        };
        telemetry.tracer
          .startSpan(
            SPAN.candidate,
            {
              attributes: {
                [ATTR.generationId]: id,
                ...candidateAttributes(c.context, arm, quality, outcome.usage),
              },
            },
            inGen,
          )
          .end();
      }
      gen.end();
      await telemetry.flush();
      await learning.ingestGeneration(id);
      await optimizer.review(c.context, c.arms);
    },
    async close() {
      await telemetry.shutdown();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
    async promotions() {
      return (await optimizer.promotions()).length;
    },
  };
}

export interface RunStats {
  policy: string;
  generations: number;
  /** delivered q: the best observed q of each generation */
  sumQ: number;
  /** generations whose delivered q reached the bar */
  accepted: number;
  /** sum over generations of (best expected q of the context - expected q of the delivered arm) */
  regret: number;
  /** cumulative regret at the end of each block of generations */
  regretCurve: number[];
  candidates: number;
  failures: number;
  costUsd: number;
  /** the first generation of each context: never seen before */
  firstSight: { generations: number; candidates: number; failures: number; steered: number };
  promotions: number;
  /**
   * Generations where "defaults only" (same outcomes: common random numbers) reached the bar and this
   * policy did not, by cause read from the decision; and the reverse count.
   */
  versusDefaults: { lost: Record<string, number>; won: number };
  /** one decision where a rule steered and one where cost did, for the report */
  examples: { rule?: string; cost?: string };
}

/** Runs one policy over a world's traffic. */
export async function runPolicy(world: World, policy: Policy, bar: number, block: number): Promise<RunStats> {
  const stats: RunStats = {
    policy: policy.name,
    generations: 0,
    sumQ: 0,
    accepted: 0,
    regret: 0,
    regretCurve: [],
    candidates: 0,
    failures: 0,
    costUsd: 0,
    firstSight: { generations: 0, candidates: 0, failures: 0, steered: 0 },
    promotions: 0,
    versusDefaults: { lost: {}, won: 0 },
    examples: {},
  };
  const seen = new Set<number>();
  try {
    for (let g = 0; g < world.sequence.length; g++) {
      const ci = world.sequence[g];
      const c = world.contexts[ci];
      const decision = await policy.choose(g, c);
      const candidates = decision.arms.map((arm) => ({ arm, outcome: drawOutcome(world, g, c, arm) }));
      await policy.observe(g, c, candidates);
      const winner = candidates.reduce((w, x) => (x.outcome.q > w.outcome.q ? x : w));
      const expected = (a: Arm) => c.hidden.get(a.key)?.q ?? 0;
      const failures = candidates.filter((x) => x.outcome.compiled === 0).length;
      stats.generations++;
      stats.sumQ += winner.outcome.q;
      stats.accepted += winner.outcome.q >= bar ? 1 : 0;
      stats.regret += expected(c.best) - expected(winner.arm);
      stats.candidates += candidates.length;
      stats.failures += failures;
      stats.costUsd += candidates.reduce((s, x) => s + x.outcome.usage.costUsd, 0);
      const text = `${decision.reason ?? ''} | ${(decision.alternatives ?? []).join(' | ')}`;
      const steered = /held back by rule/.test(text);
      if (!seen.has(ci)) {
        seen.add(ci);
        stats.firstSight.generations++;
        stats.firstSight.candidates += candidates.length;
        stats.firstSight.failures += failures;
        if (steered) stats.firstSight.steered++;
      }
      if (steered && !stats.examples.rule && /in place of the pack defaults/.test(decision.reason ?? ''))
        stats.examples.rule = `${c.key}: ${decision.reason}`;
      if (!stats.examples.cost && /cheapest arm that reaches the bar/.test(decision.reason ?? ''))
        stats.examples.cost = `${c.key}: ${decision.reason}`;
      const defaults = c.arms
        .filter((a) => a.isDefault)
        .map((arm) => ({ arm, outcome: drawOutcome(world, g, c, arm) }))
        .reduce((w, x) => (x.outcome.q > w.outcome.q ? x : w));
      if (winner.outcome.q >= bar && defaults.outcome.q < bar) stats.versusDefaults.won++;
      if (defaults.outcome.q >= bar && winner.outcome.q < bar) {
        const cause = lossCause(defaults.arm, candidates, decision.reason ?? '');
        stats.versusDefaults.lost[cause] = (stats.versusDefaults.lost[cause] ?? 0) + 1;
      }
      if ((g + 1) % block === 0 || g === world.sequence.length - 1) stats.regretCurve.push(stats.regret);
    }
    stats.promotions = (await policy.promotions?.()) ?? 0;
    return stats;
  } finally {
    await policy.close();
  }
}

/** Why a policy's candidates missed what the defaults' best arm (`missed`) reached, from the decision's reason. */
function lossCause(missed: Arm, candidates: Candidate[], reason: string): string {
  if (missed.model === BUILTIN_MODEL)
    return /in place of the pack defaults/.test(reason)
      ? 'the pack defaults not run: a failure rule replaced them'
      : /promoted variant/.test(reason)
        ? 'the pack defaults not run: a promoted variant ran instead'
        : 'the pack defaults not run';
  if (candidates.some((x) => x.arm.model === missed.model))
    return "the model ran with another prompt variant (Thompson sampling's exploration)";
  if (reason.includes(`${missed.model}: not run in this new context`))
    return 'the model not run: a failure rule';
  if (/no model runs/.test(reason)) return 'the model not run: a template arm reaches the bar (cost rule)';
  return 'the model not run: a cheaper arm reaches the bar (cost rule)';
}
