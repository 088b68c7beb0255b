import type { Arm } from './arms.js';
import type { ArmPrior, Evidence } from './thompson.js';

/** the spread (sd 0.1) the structure's prediction is given: a guess, not a measurement */
export const STRUCTURE_RESIDUAL_VARIANCE = 0.01;

/**
 * What the other variants of a pack say about one it has not tried much. A pack's variants are
 * combinations of a few parameters, and a value that does well (or breaks) in a context tends to
 * do so in every variant that has it: when all variants with `enum_style=enum` score 0.2 here, an
 * untried one with that value is unlikely to score 0.9. Without this, every untried variant starts
 * from the same wide base prior and Thompson sampling tries all of them (dozens per pack) before it
 * settles, and a challenger that wins one generation by noise may be far from the best.
 *
 * The model is additive over parameter values, estimated from marginal means: the pack's mean
 * here, plus for each of the arm's values how much the variants with that value differ from it
 * (shrunk toward 0 by one pseudo-observation). It becomes `strength` pseudo-observations of the
 * predicted mean, with a residual spread, so a few of the arm's own outcomes outweigh it.
 * Evidence is whatever the assessor holds for the arm here: local outcomes and the peers' and
 * back-off priors.
 */
export function structurePriors(
  arms: Arm[],
  evidenceOf: (arm: Arm) => Evidence,
  strength: number,
): Map<string, ArmPrior> {
  const out = new Map<string, ArmPrior>();
  if (!(strength > 0)) return out;
  const packs = new Map<string, Arm[]>();
  for (const a of arms) {
    const key = `${a.packId}\n${a.model}`;
    packs.set(key, [...(packs.get(key) ?? []), a]);
  }
  for (const variants of packs.values()) {
    if (variants.length < 2) continue;
    let n = 0;
    let sum = 0;
    const byValue = new Map<string, { n: number; sum: number }>();
    for (const a of variants) {
      const e = evidenceOf(a);
      if (!(e.n > 0) || !Number.isFinite(e.sumQ)) continue;
      n += e.n;
      sum += e.sumQ;
      for (const [p, v] of Object.entries(a.params)) {
        const k = `${p}=${v}`;
        const b = byValue.get(k) ?? { n: 0, sum: 0 };
        byValue.set(k, { n: b.n + e.n, sum: b.sum + e.sumQ });
      }
    }
    if (!(n > 0)) continue;
    const mean = sum / n;
    const effect = (k: string) => {
      const b = byValue.get(k);
      // shrunk toward "no effect" by one pseudo-observation at the pack's mean
      return b ? (b.sum - b.n * mean) / (b.n + 1) : 0;
    };
    for (const a of variants) {
      let m = mean;
      for (const [p, v] of Object.entries(a.params)) m += effect(`${p}=${v}`);
      m = Math.min(1, Math.max(0, m));
      out.set(a.key, {
        n: strength,
        sumQ: strength * m,
        sumQ2: strength * (m * m + STRUCTURE_RESIDUAL_VARIANCE),
      });
    }
  }
  return out;
}
