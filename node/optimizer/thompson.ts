import { normal, normalCdf, type Random } from './random.js';

/** Sufficient statistics of q (DESIGN.md's arm statistics). */
export interface Evidence {
  n: number;
  sumQ: number;
  sumQ2: number;
}

/**
 * Pseudo-observations added to an arm's local evidence, already discounted: peers' digests weighted
 * by trust (the network part), or this node's other contexts (the back-off). Without sumQ2 the
 * pseudo-observations are taken as all equal to their mean (they add no variance).
 */
export interface ArmPrior {
  n: number;
  sumQ: number;
  sumQ2?: number;
  /**
   * for peers' priors: the share of the evidence the network's support rule let count (1: the
   * peers reporting the arm hold at least the quorum of its context's weight); undefined: full
   */
  support?: number;
  /**
   * for peers' priors: the reporters' standing, the agreement they have earned with the others
   * (marketplace/consensus.ts standingOf) times their relative trust; undefined: not known
   */
  standing?: number;
  /** for peers' priors: of `n`, the pseudo-observations peers reported in neighbouring contexts */
  neighbourN?: number;
}

export interface Posterior {
  /** posterior mean of the arm's expected q */
  mean: number;
  /** posterior standard deviation of that mean */
  sd: number;
  /** local observations */
  n: number;
  /** pseudo-observations from priors (the base pseudo-observation not included) */
  priorN: number;
}

/**
 * The base prior: one pseudo-observation of the mean at 0.5 and one of the spread at a uniform q's
 * variance (1/12). Wide at n = 0 (sd 0.29), and gone after a few real observations.
 */
export const BASE_PRIOR = { n: 1, mean: 0.5, variance: 1 / 12, varianceN: 1 } as const;

/**
 * A Normal posterior for an arm's mean q, from n, sum q and sum q^2 (plus priors as pseudo-counts).
 *
 * Why Normal and not Beta(1 + sumQ, 1 + n - sumQ): q is a continuous score, and the arms that matter
 * are template variants whose q barely varies (0.996 every time). Beta treats q as a coin's rate, so
 * its variance stays near q(1 - q)/n whatever the data say, and it keeps exploring two arms at 0.98
 * and 1.0 long after the difference is certain. The Normal posterior uses the variance actually
 * observed (sum q^2 is in the statistics for this), concentrates on a steady arm, stays wide on a
 * noisy one, and peers' digests (n, sum q, sum q^2) add in as pseudo-counts. The mean and the spread
 * have separate base pseudo-observations, so a steady arm far from 0.5 is not made to look noisy by
 * the prior's mean.
 */
export function posterior(local: Evidence | undefined, priors: ArmPrior[] = []): Posterior {
  let n = 0;
  let s = 0;
  let s2 = 0;
  let priorN = 0;
  for (const p of [...priors, ...(local ? [{ ...local, local: true }] : [])]) {
    if (!(p.n > 0)) continue;
    n += p.n;
    s += p.sumQ;
    s2 += p.sumQ2 ?? (p.sumQ * p.sumQ) / p.n;
    if (!('local' in p)) priorN += p.n;
  }
  const b = BASE_PRIOR;
  const mean = (b.n * b.mean + s) / (b.n + n);
  const squares = n > 0 ? Math.max(0, s2 - (s * s) / n) : 0;
  const variance = (b.varianceN * b.variance + squares) / (b.varianceN + n);
  return { mean, sd: Math.sqrt(variance / (b.n + n)), n: local?.n ?? 0, priorN };
}

export const sample = (p: Posterior, random: Random) => p.mean + p.sd * normal(random);

/** P(mean of a > mean of b) under the two independent Normal posteriors. */
export function probabilityBetter(a: Posterior, b: Posterior): number {
  const sd = Math.sqrt(a.sd * a.sd + b.sd * b.sd);
  if (sd === 0) return a.mean > b.mean ? 1 : a.mean < b.mean ? 0 : 0.5;
  return normalCdf((a.mean - b.mean) / sd);
}

export interface Drawn<T> {
  item: T;
  posterior: Posterior;
  sample: number;
}

/**
 * Thompson sampling for k plays: one draw per arm from its posterior, best draws first. Taking the
 * top k of a single round gives k distinct arms, each chosen with the probability that it is among
 * the best, so a parallel batch explores as a sequential run would.
 */
export function thompsonRank<T>(items: { item: T; posterior: Posterior }[], random: Random): Drawn<T>[] {
  return items
    .map((x) => ({ ...x, sample: sample(x.posterior, random) }))
    .sort((a, b) => b.sample - a.sample);
}
