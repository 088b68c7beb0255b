import type { ArmStats } from './learning/arm-stats.js';

/** A merged statistic: the tenants' counts added up, and how many distinct tenants contributed. */
export type SharedArmStats = ArmStats & { projects?: number };

/**
 * The arm statistics of the tenants that share, as one table for the node's digest: counts of the
 * same (context, arm) add up. Where several tenants share, each entry also says how many distinct
 * tenants contributed outcomes (`projects`), so the anonymizer can withhold an entry only one
 * team's work made (its kProjects). With one tenant sharing nothing is counted: a single-tenant
 * node cannot tell projects apart, and the anonymizer does not cut a statistic without `projects`.
 */
export function sharedArmStats(perTenant: readonly (readonly ArmStats[])[]): SharedArmStats[] {
  const byKey = new Map<string, SharedArmStats>();
  const contributors = new Map<string, number>();
  for (const stats of perTenant) {
    const seen = new Set<string>();
    for (const s of stats) {
      const key = `${s.contextKey}\u0000${s.armKey}`;
      const had = byKey.get(key);
      if (!had) byKey.set(key, { ...s });
      else {
        had.n += s.n;
        had.sumQ += s.sumQ;
        had.sumQ2 += s.sumQ2;
        had.successes += s.successes;
      }
      // a tenant counts once per entry, and only with outcomes in it
      if (s.n > 0 && !seen.has(key)) {
        seen.add(key);
        contributors.set(key, (contributors.get(key) ?? 0) + 1);
      }
    }
  }
  if (perTenant.length > 1) for (const [key, s] of byKey) s.projects = contributors.get(key) ?? 0;
  return [...byKey.values()];
}
