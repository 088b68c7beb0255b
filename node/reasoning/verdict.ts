import type { CandidateResult } from '../orchestra/index.js';
import { CORRECTNESS_KINDS } from '../validation/index.js';

/**
 * What the loop thinks of a candidate. Semantic-convention code is right or wrong: a candidate is
 * acceptable only when it compiled, has no correctness defect (missing, wrong value, wrong name,
 * invented, unmarked or falsely marked deprecation) and reaches the quality bar. q still ranks.
 */
export interface Verdict {
  acceptable: boolean;
  compiled: boolean;
  /** correctness defects (0 when it has none; unknown counts as many) */
  defects: number;
  q: number;
  /** one line: why it is or is not acceptable */
  why: string;
}

const UNKNOWN = Number.MAX_SAFE_INTEGER;

export function verdictOf(r: CandidateResult, threshold: number): Verdict {
  const v = r.validation;
  if (!v) return { acceptable: false, compiled: false, defects: UNKNOWN, q: 0, why: r.error ?? 'no output' };
  const compiled = v.toolchain.status === 'passed';
  const defects = correctnessDefects(v.symbols);
  const why = !compiled
    ? v.toolchain.status === 'not_validated'
      ? (v.toolchain.reason ?? 'not validated')
      : `does not compile (${v.toolchain.errors} error${v.toolchain.errors === 1 ? '' : 's'})`
    : defects > 0
      ? `${defects} correctness defect${defects === 1 ? '' : 's'}`
      : r.q < threshold
        ? `q=${r.q.toFixed(3)} below ${threshold}`
        : `correct, q=${r.q.toFixed(3)}`;
  return { acceptable: compiled && defects === 0 && r.q >= threshold, compiled, defects, q: r.q, why };
}

/** The candidate's correctness defects, counted exactly by kind by the symbol checks. */
function correctnessDefects(s: NonNullable<CandidateResult['validation']>['symbols']): number {
  return CORRECTNESS_KINDS.reduce((n, k) => n + s.defectCounts[k], 0);
}

/** Better first: acceptable, compiled, fewer defects, higher q. */
export function compareVerdicts(a: Verdict, b: Verdict): number {
  return (
    Number(b.acceptable) - Number(a.acceptable) ||
    Number(b.compiled) - Number(a.compiled) ||
    a.defects - b.defects ||
    b.q - a.q
  );
}
