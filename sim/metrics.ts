import type { PeerDigest, PriorCounts } from '../marketplace/index.js';
import { type ArmPrior, type Evidence, posterior } from '../node/optimizer/thompson.js';

/**
 * The simulation's metrics, pure so the unit tests can check them on hand-made inputs.
 */

export type Role = 'newcomer' | 'honest' | 'sybil';
/** honest digests only; with the first s20 sybils (20% of the digests); with all sybils (40%) */
export const SCENARIOS = ['honest', 's20', 's40'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Whether a digest from `author` counts in scenario `s` (sybils ranked below `s20` are the 20% ones). */
export function inScenario(
  author: { role: Role; rank: number } | undefined,
  s: Scenario,
  s20: number,
): boolean {
  if (!author || author.role === 'newcomer') return false;
  if (author.role === 'honest') return true;
  return s === 's40' || (s === 's20' && author.rank < s20);
}

/**
 * Kendall's tau-b between two scorings of the same items (higher score = ranked higher), over the
 * items both score. 1: same order, -1: reversed; ties count as neither. NaN with fewer than two
 * common items or when one side ties everything.
 */
export function kendallTau(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  const keys = [...a.keys()].filter(
    (k) => b.has(k) && Number.isFinite(a.get(k)) && Number.isFinite(b.get(k)),
  );
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < keys.length; i++)
    for (let j = i + 1; j < keys.length; j++) {
      const da = Math.sign((a.get(keys[i]) as number) - (a.get(keys[j]) as number));
      const db = Math.sign((b.get(keys[i]) as number) - (b.get(keys[j]) as number));
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}

/** true when a delivered quality is within `tolerance` (relative) of the best arm's. */
export const within = (delivered: number, best: number, tolerance = 0.05) =>
  delivered >= (1 - tolerance) * best - 1e-12;

/**
 * Generations until a node is within `tolerance` of the best arm's quality and stays there: the
 * 1-based index of the first generation from which every delivered quality is within tolerance of
 * that generation's best; `delivered.length + 1` when the last one is not (never settled within the
 * horizon), 1 when all are.
 */
export function generationsUntilWithin(
  delivered: readonly number[],
  best: readonly number[],
  tolerance = 0.05,
): number {
  if (delivered.length !== best.length) throw new RangeError('delivered and best differ in length');
  let g = delivered.length;
  while (g > 0 && within(delivered[g - 1], best[g - 1], tolerance)) g--;
  return g + 1;
}

/** The 1-based index of the first generation within tolerance, `length + 1` when none is. */
export function firstWithin(delivered: readonly number[], best: readonly number[], tolerance = 0.05): number {
  const i = delivered.findIndex((d, j) => within(d, best[j], tolerance));
  return i < 0 ? delivered.length + 1 : i + 1;
}

/**
 * The roles of a run's nodes: `newcomers` receive only (the new nodes of metric 1), then honest
 * publishers, then sybils, so that all sybils are `maxShare` of the digests published.
 */
export function assignRoles(
  nodes: number,
  newcomers: number,
  maxShare: number,
): { newcomers: number; honest: number; sybils: number } {
  const publishers = nodes - newcomers;
  const sybils = Math.round(publishers * maxShare);
  return { newcomers, honest: publishers - sybils, sybils };
}

/** Sybils needed for `share` of the digests next to `honest` honest publishers. */
export const sybilsFor = (honest: number, share: number) => Math.round((share * honest) / (1 - share));

/** The sybils' share of the digests: sybils / (honest + sybils). */
export const sybilShare = (honest: number, sybils: number) =>
  honest + sybils === 0 ? 0 : sybils / (honest + sybils);

/**
 * The plain-mean baseline: per arm of a context, every received digest's entry pooled (sum of sumQ
 * over sum of n): each reported outcome counts the same, no reputation, no per-peer cap, no noise
 * discount.
 */
export function plainPool(digests: Iterable<PeerDigest>, context: string): Map<string, Evidence> {
  const out = new Map<string, Evidence>();
  for (const d of digests)
    for (const e of d.entries) {
      if (e.contextKey !== context || !(e.n > 0)) continue;
      const p = out.get(e.armKey) ?? { n: 0, sumQ: 0, sumQ2: 0 };
      p.n += e.n;
      p.sumQ += e.sumQ;
      p.sumQ2 += e.sumQ2 ?? (e.sumQ * e.sumQ) / e.n;
      out.set(e.armKey, p);
    }
  return out;
}

/** The plain mean as optimizer priors, scaled to at most `maxPriorN` pseudo-observations (the marketplace's cap). */
export function plainPriors(
  pool: ReadonlyMap<string, Evidence>,
  maxPriorN = 100,
): Record<string, PriorCounts> {
  const out: Record<string, PriorCounts> = {};
  for (const [arm, p] of pool) {
    const f = Math.min(1, maxPriorN / p.n);
    out[arm] = { n: p.n * f, sumQ: p.sumQ * f, sumQ2: p.sumQ2 * f };
  }
  return out;
}

/** Mean q per arm of a pool. */
export const means = (pool: ReadonlyMap<string, Evidence>) =>
  new Map([...pool].map(([arm, p]) => [arm, p.sumQ / p.n]));

/**
 * A node's top choice in a context: the arm of highest posterior mean (node/optimizer/thompson.ts
 * posterior: the base prior, the priors, its own evidence), the arm the optimizer exploits; ties to
 * the first arm.
 */
export function topChoice(
  arms: readonly { key: string }[],
  local: ReadonlyMap<string, Evidence> | undefined,
  priors: Record<string, ArmPrior>,
): string {
  let best = arms[0].key;
  let bestMean = Number.NEGATIVE_INFINITY;
  for (const a of arms) {
    const p = priors[a.key];
    const m = posterior(local?.get(a.key), p ? [p] : []).mean;
    if (m > bestMean) {
      bestMean = m;
      best = a.key;
    }
  }
  return best;
}

export const mean = (xs: readonly number[]) =>
  xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
