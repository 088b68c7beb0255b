import type { ArmStats } from '../learning/arm-stats.js';
import { costOf, meanOf, qualityPerUsd } from '../learning/arm-stats.js';
import { posterior } from './thompson.js';

/** An arm's quality in one context as the optimizer believes it from local outcomes: mean and sd. */
export interface ArmQuality {
  armKey: string;
  packName: string;
  params: Record<string, string>;
  model: string;
  n: number;
  mean: number;
  sd: number;
  successes: number;
  compileFailures: number;
  /** USD per candidate, when its outcomes carried a cost */
  costUsd?: number;
  /** observed mean q per USD of one candidate, when it cost something: which arm buys quality cheapest */
  qualityPerUsd?: number;
}

/** Every arm tried in a context with its posterior (the Normal one Thompson sampling draws from), best mean first. */
export function armQualities(stats: ArmStats[]): ArmQuality[] {
  return stats
    .map((s) => {
      const p = posterior(s);
      const cost = costOf(s);
      const perUsd = qualityPerUsd(meanOf(s), cost);
      return {
        armKey: s.armKey,
        packName: s.packName,
        params: s.params,
        model: s.model,
        n: s.n,
        mean: p.mean,
        sd: p.sd,
        successes: s.successes,
        compileFailures: s.compileFailures,
        ...(cost !== undefined ? { costUsd: cost } : {}),
        ...(perUsd !== undefined ? { qualityPerUsd: perUsd } : {}),
      };
    })
    .sort((a, b) => b.mean - a.mean || b.n - a.n || a.armKey.localeCompare(b.armKey));
}
