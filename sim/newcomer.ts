import { productPolicy } from '../bench/learning-policies.js';
import { drawOutcome, type SimContext } from '../bench/learning-world.js';
import type { ArmPrior } from '../node/optimizer/index.js';
import { type Project, projectTraffic, type SimWorld } from './world.js';

export interface NewcomerRun {
  /** hidden q of the delivered arm (the best observed candidate) per generation */
  delivered: number[];
  /** hidden q of the context's best arm per generation */
  best: number[];
  /** generations where a bad-pack arm was among the candidates, and where it was delivered */
  badRun: number;
  badDelivered: number;
}

/**
 * A new node's generations through the node's own choice path, bench/learning-policies.ts's
 * productPolicy (chooseArms with the real optimizer over LevelDB, spans through the real tracer,
 * learning.ingestGeneration, the promotion review), given `priors` (the marketplace's priorsFor, or
 * none) for the choice and, as node.ts wires it, for the promotion review. Outcomes are drawn from
 * the world (same generation ids, so the same noise, in every variant).
 */
export async function runNewcomer(
  w: SimWorld,
  project: Project,
  index: number,
  horizon: number,
  priorsOf: (c: SimContext) => Record<string, ArmPrior>,
  k = 2,
  /** the optimizer's settings beside the product's defaults (an ablation) */
  optimizer: { structure?: number } = {},
): Promise<NewcomerRun> {
  const byKey = new Map(w.contexts.map((c) => [c.key, c]));
  const cache = new Map<string, Record<string, ArmPrior>>();
  // what the node's marketplace says does not change while the new node runs (nothing new arrives)
  const priors = (key: string) => {
    const c = byKey.get(key);
    if (!cache.has(key) && c) cache.set(key, priorsOf(c));
    return cache.get(key) ?? {};
  };
  const policy = await productPolicy(w, 'newcomer', k, {
    priors,
    idPrefix: `sim-${index}`,
    seed: w.seed * 31 + index,
    ...optimizer,
  });
  const run: NewcomerRun = { delivered: [], best: [], badRun: 0, badDelivered: 0 };
  const q = (c: SimContext, key: string) => c.hidden.get(key)?.q ?? 0;
  try {
    const traffic = projectTraffic(w, project, index, horizon);
    for (let g = 0; g < traffic.length; g++) {
      const c = w.contexts[traffic[g]];
      const { arms } = await policy.choose(g, c);
      const generation = 900_000_000 + index * 10_000 + g;
      const candidates = arms.map((arm) => ({ arm, outcome: drawOutcome(w.world, generation, c, arm) }));
      const winner = candidates.reduce((b, x) => (x.outcome.q > b.outcome.q ? x : b));
      run.delivered.push(q(c, winner.arm.key));
      run.best.push(q(c, c.best.key));
      if (candidates.some((x) => w.kinds.get(x.arm.key) === 'bad')) run.badRun++;
      if (w.kinds.get(winner.arm.key) === 'bad') run.badDelivered++;
      await policy.observe(g, c, candidates);
    }
  } finally {
    await policy.close();
  }
  return run;
}
