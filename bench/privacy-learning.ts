import { createMarketplace, type Marketplace, type PeerDigest } from '../marketplace/index.js';
import { HIGH_QUALITY } from '../node/learning/index.js';
import type { Arm } from '../node/optimizer/index.js';
import type { AnonymizedDigest } from '../protocols/index.js';
import { type Candidate, type Policy, productPolicy, type RunStats, runPolicy } from './learning-policies.js';
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
  const inner = await productPolicy(world, name, k, {
    idPrefix: 'bench-privacy',
    ...(marketplace ? { priors: (key, arms) => marketplace.priorsFor(key, arms) } : {}),
  });
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
