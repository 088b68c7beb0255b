import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { drawOutcome, type SimContext } from '../bench/learning-world.js';
import { candidateAttributes, createLearning } from '../node/learning/index.js';
import { type ArmPrior, chooseArms, createOptimizer } from '../node/optimizer/index.js';
import { createStore } from '../node/storage/index.js';
import { ATTR, SPAN } from '../node/telemetry/conventions.js';
import { createTelemetry } from '../node/telemetry/index.js';
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
 * A new node's generations through the node's own choice path, as bench/privacy-learning.ts runs
 * it: chooseArms (incumbent + one Thompson challenger, rules, promotion) with the real optimizer
 * over a real LevelDB store, given `priors` (the marketplace's priorsFor, or none) for the choice and,
 * as node.ts wires it, for the promotion review; the candidates' spans through the real tracer and exporter, learning.ingestGeneration, then the
 * promotion review. Outcomes are drawn from the world (same generation ids, so the same noise, in
 * every variant).
 */
export async function runNewcomer(
  w: SimWorld,
  project: Project,
  index: number,
  horizon: number,
  priorsOf: (c: SimContext) => Record<string, ArmPrior>,
  k = 2,
): Promise<NewcomerRun> {
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-sim-'));
  const store = await createStore({ path: dir });
  const telemetry = await createTelemetry({ store }, { serviceName: 'weavergen-sim' });
  const learning = createLearning({ store });
  const byKey = new Map(w.contexts.map((c) => [c.key, c]));
  const priorCache = new Map<string, Record<string, ArmPrior>>();
  const priorsFor = (c: SimContext) => {
    let p = priorCache.get(c.key);
    if (!p) {
      p = priorsOf(c);
      priorCache.set(c.key, p);
    }
    return p;
  };
  // as node.ts: the promotion review reads the peers' priors too
  const optimizer = createOptimizer(
    {
      store,
      learning,
      priors: (context, armKeys) => {
        const c = byKey.get(context);
        if (!c) return {};
        const all = priorsFor(c);
        return Object.fromEntries(armKeys.filter((k) => all[k]).map((k) => [k, all[k]]));
      },
    },
    { seed: w.seed * 31 + index },
  );
  const run: NewcomerRun = { delivered: [], best: [], badRun: 0, badDelivered: 0 };
  const q = (c: SimContext, key: string) => c.hidden.get(key)?.q ?? 0;
  try {
    const traffic = projectTraffic(w, project, index, horizon);
    for (let g = 0; g < traffic.length; g++) {
      const c = w.contexts[traffic[g]];
      const choice = await chooseArms(optimizer, c.context, c.arms, k, priorsFor(c));
      const generation = 900_000_000 + index * 10_000 + g;
      const candidates = choice.chosen.map((arm) => ({
        arm,
        outcome: drawOutcome(w.world, generation, c, arm),
      }));
      const winner = candidates.reduce((b, x) => (x.outcome.q > b.outcome.q ? x : b));
      run.delivered.push(q(c, winner.arm.key));
      run.best.push(q(c, c.best.key));
      if (candidates.some((x) => w.kinds.get(x.arm.key) === 'bad')) run.badRun++;
      if (w.kinds.get(winner.arm.key) === 'bad') run.badDelivered++;

      const id = `sim-${w.seed}-${index}-${g}`;
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
    }
  } finally {
    await telemetry.shutdown();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  return run;
}
