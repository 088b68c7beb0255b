import type { Arm } from '../optimizer/arms.js';
import type { QualityComponents, ValidationResult } from '../validation/index.js';

/** What went wrong with a candidate, from its evidence: the weak quality components and a summary to feed back. */
export interface Diagnosis {
  weak: (keyof QualityComponents)[];
  summary: string;
}

const WEAK = 0.9;

export function diagnose(v: ValidationResult | undefined, error?: string): Diagnosis {
  if (!v) return { weak: ['compiled'], summary: `no output: ${error ?? 'the generator failed'}` };
  const c = v.quality.components;
  const weak = (Object.keys(c) as (keyof QualityComponents)[]).filter((k) =>
    k === 'compiled' ? c.compiled === 0 : (c[k] ?? 1) < WEAK,
  );
  const parts: string[] = [];
  if (c.compiled === 0) {
    const errs = v.toolchain.diagnostics.filter((d) => d.severity === 'error').slice(0, 3);
    parts.push(
      `does not compile (${v.toolchain.errors} errors${errs.length ? `: ${errs.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}` : ''})`,
    );
  }
  if (c.completeness < WEAK)
    parts.push(
      `completeness ${c.completeness.toFixed(2)} (missing e.g. ${v.symbols.missing.slice(0, 3).join(', ') || '-'})`,
    );
  if (c.naming < WEAK)
    parts.push(`naming ${c.naming.toFixed(2)} (e.g. ${v.symbols.misnamed.slice(0, 2).join(', ') || '-'})`);
  if (c.documentation < WEAK)
    parts.push(`documentation ${c.documentation.toFixed(2)} (briefs not carried as doc comments)`);
  if (c.deprecation < WEAK)
    parts.push(`deprecation ${c.deprecation.toFixed(2)} (deprecated items not marked)`);
  if (c.warnings < WEAK) parts.push(`${v.toolchain.warnings} toolchain warnings`);
  return { weak, summary: parts.join('; ') || `q=${v.quality.q.toFixed(3)}` };
}

/** Which params plausibly move which component: the built-in generator's way of acting on feedback. */
const HINTS: Record<keyof QualityComponents, RegExp> = {
  compiled: /layout|key|style|experimental|type/i,
  completeness: /layout|experimental|enum|stability/i,
  naming: /enum|key|name|style/i,
  documentation: /doc/i,
  deprecation: /doc|deprec/i,
  warnings: /layout|doc|style|format/i,
};

/**
 * The next round for the built-in generator: untried arms that change the params the diagnosis
 * points at, leave the others alone, and have done well before (posterior mean). Deterministic
 * and explainable: the reason says which component drove the choice.
 */
export function correctionArms(
  best: Arm,
  diagnosis: Diagnosis,
  tried: Set<string>,
  arms: Arm[],
  k: number,
  mean: (a: Arm) => number,
): { arms: Arm[]; reason: string } {
  const scored = arms
    .filter((a) => !tried.has(a.key))
    .map((a) => {
      const changed = Object.keys({ ...a.params, ...best.params }).filter(
        (p) => a.params[p] !== best.params[p] || a.packId !== best.packId,
      );
      const relevant = changed.filter((p) => diagnosis.weak.some((w) => HINTS[w].test(p)));
      return {
        a,
        relevant,
        score: relevant.length - 0.25 * (changed.length - relevant.length) + 0.5 * mean(a),
      };
    })
    .filter((x) => x.relevant.length > 0 || diagnosis.weak.length === 0)
    .sort((x, y) => y.score - x.score || x.a.key.localeCompare(y.a.key));
  const chosen = scored.slice(0, k);
  const reason = chosen.length
    ? `${diagnosis.summary} -> try ${chosen.map((x) => `{${x.relevant.map((p) => `${p}=${x.a.params[p]}`).join(', ')}}`).join(', ')}`
    : `${diagnosis.summary} -> no untried variant changes a param that could fix it`;
  return { arms: chosen.map((x) => x.a), reason };
}
