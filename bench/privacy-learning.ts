import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createMarketplace, type Marketplace, type PeerDigest } from '../marketplace/index.js';
import { candidateAttributes, createLearning, HIGH_QUALITY } from '../node/learning/index.js';
import { type Arm, chooseArms, createOptimizer } from '../node/optimizer/index.js';
import { createStore } from '../node/storage/index.js';
import { ATTR, SPAN } from '../node/telemetry/conventions.js';
import { createTelemetry } from '../node/telemetry/index.js';
import type { AnonymizedDigest } from '../protocols/index.js';
import { type Candidate, type Policy, type RunStats, runPolicy } from './learning-policies.js';
import type { SimContext, World } from './learning-world.js';

/**
 * The learning cost of a privacy setting: a new node joins a simulated world (learning-world.ts)
 * whose peers published digests with that setting, takes the newest digest of each (what catch-up
 * gives it) into a real marketplace (receiveDigest, then priorsFor, as node/peering.ts does), and
 * runs the node's real choice path with those priors over the world's traffic.
 */

/** A marketplace holding each peer's newest digest, as a node joining now would. */
export function marketplaceOf(digests: readonly { peer: string; digest: AnonymizedDigest }[]): Marketplace {
  const m = createMarketplace();
  for (const { peer, digest } of digests) {
    const verdict = m.receiveDigest({ ...digest, peer } as PeerDigest, []);
    if (!verdict.ok) throw new Error(`digest of ${peer} refused: ${verdict.reason}`);
  }
  return m;
}

/**
 * bench/learning-policies.ts productPolicy with priors: chooseArms with the real optimizer over a
 * real LevelDB store, the candidates' spans through the real tracer and exporter, ingestGeneration,
 * then the promotion review. The same code but for the priors argument (productPolicy takes none).
 */
async function productWithPriors(
  world: World,
  name: string,
  k: number,
  marketplace: Marketplace | undefined,
): Promise<Policy> {
  const dir = await mkdtemp(join(tmpdir(), 'weavergen-bench-privacy-'));
  const store = await createStore({ path: dir });
  const telemetry = await createTelemetry({ store }, { serviceName: 'weavergen-bench' });
  const learning = createLearning({ store });
  const optimizer = createOptimizer({ store, learning }, { seed: world.seed });
  return {
    name,
    async choose(_g, c) {
      const priors = marketplace?.priorsFor(c.key, c.arms) ?? {};
      const choice = await chooseArms(optimizer, c.context, c.arms, k, priors);
      return { arms: choice.chosen, reason: choice.reason, alternatives: choice.alternatives };
    },
    async observe(g, c, candidates) {
      const id = `bench-privacy-${world.seed}-${g}`;
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
  };
}

export interface NewNodeRun {
  stats: RunStats;
  /** per context index seen: its generations until the best arm first ran (occurrences + 1 when it never did) */
  untilBest: Map<number, number>;
  /** per context index seen: whether the best arm ever ran */
  found: Map<number, boolean>;
  /** regret on each context index */
  regretOf: Map<number, number>;
}

/** A new node on `world`'s traffic with the priors of `marketplace` (none: the no-priors baseline). */
export async function newNode(
  world: World,
  name: string,
  marketplace: Marketplace | undefined,
  k = 2,
): Promise<NewNodeRun> {
  const inner = await productWithPriors(world, name, k, marketplace);
  const seen = new Map<number, number>();
  const untilBest = new Map<number, number>();
  const found = new Map<number, boolean>();
  const regretOf = new Map<number, number>();
  const index = new Map(world.contexts.map((c, i) => [c, i]));
  const q = (c: SimContext, a: Arm) => c.hidden.get(a.key)?.q ?? 0;
  const policy: Policy = {
    ...inner,
    async observe(g, c, candidates: Candidate[]) {
      const ci = index.get(c) as number;
      const times = (seen.get(ci) ?? 0) + 1;
      seen.set(ci, times);
      if (!found.get(ci)) {
        const hit = candidates.some((x) => x.arm.key === c.best.key);
        found.set(ci, hit);
        untilBest.set(ci, hit ? times : times + 1);
      }
      const winner = candidates.reduce((w, x) => (x.outcome.q > w.outcome.q ? x : w));
      regretOf.set(ci, (regretOf.get(ci) ?? 0) + q(c, c.best) - q(c, winner.arm));
      await inner.observe(g, c, candidates);
    },
  };
  const stats = await runPolicy(world, policy, HIGH_QUALITY, 50);
  return { stats, untilBest, found, regretOf };
}
