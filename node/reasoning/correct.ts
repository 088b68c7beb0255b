import type { Arm } from '../optimizer/arms.js';
import {
  DEFECT_KINDS,
  type Defect,
  type DefectKind,
  type QualityComponents,
  type ValidationResult,
} from '../validation/index.js';

/**
 * What went wrong with a candidate, from its evidence: the quality components its defects (or its
 * compile errors, or its warnings) weaken, a summary to feed back, and the defects themselves.
 */
export interface Diagnosis {
  weak: (keyof QualityComponents)[];
  summary: string;
  /** the candidate's defects as the symbol checks found them, correctness kinds first (none when it did not compile) */
  defects: Defect[];
  /**
   * What the candidate could not be validated without, when that is a library its output uses and
   * not the toolchain itself (`opentelemetry-api`, `go.opentelemetry.io/otel`): another variant of
   * the output may not need it, and the loop tries the ones whose params say so.
   */
  needs?: string[];
}

/** `not validated: <name> [(...)] not found [(<kind> package: <package>)]`, as the toolchains say it */
const NOT_FOUND = /not validated: (\S+)(?: \([^)]*\))? not found(?: \([^():]*package: ([^)]+)\))?/;

/** The library a not-validated candidate lacked (its names), unless what is missing is the toolchain. */
function missingLibrary(v: ValidationResult): string[] {
  if (v.toolchain.status !== 'not_validated') return [];
  const m = NOT_FOUND.exec(v.toolchain.reason ?? '');
  const tool = v.toolchain.tool.split(/[\\/]/).at(-1);
  if (!m || m[1] === tool) return [];
  return [m[1], m[2]].filter((n): n is string => !!n);
}

const WEAK = 0.9;
/** how many defects the summary quotes */
const QUOTED = 5;

/** The components a defect kind lowers. */
const COMPONENTS: Record<DefectKind, (keyof QualityComponents)[]> = {
  missing: ['completeness'],
  wrong_value: ['completeness'],
  wrong_name: ['naming'],
  invented: ['completeness'],
  unmarked_deprecated: ['deprecation'],
  falsely_deprecated: ['deprecation'],
  undocumented: ['documentation'],
};

const LABEL: Record<DefectKind, string> = {
  missing: 'missing',
  wrong_value: 'wrong value',
  wrong_name: 'wrong name',
  invented: 'invented',
  unmarked_deprecated: 'not marked deprecated',
  falsely_deprecated: 'falsely deprecated',
  undocumented: 'undocumented',
};

/**
 * A candidate's diagnosis, built from its defects: the summary names real items and places (e.g.
 * `wrong value: ATTR_X = "a" (a.ts:3), expected "b" for attribute x`). A candidate that did not
 * compile is told its compile errors and nothing else: what the symbol checks say of code that does
 * not build is not worth acting on yet.
 */
export function diagnose(v: ValidationResult | undefined, error?: string): Diagnosis {
  if (!v)
    return { weak: ['compiled'], summary: `no output: ${error ?? 'the generator failed'}`, defects: [] };
  const c = v.quality.components;
  if (c.compiled === 0) {
    const errs = v.toolchain.diagnostics.filter((d) => d.severity === 'error').slice(0, 3);
    const n = v.toolchain.errors;
    return {
      weak: ['compiled'],
      summary: `does not compile (${n} error${n === 1 ? '' : 's'}${errs.length ? `: ${errs.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}` : ''})`,
      defects: [],
    };
  }
  const s = v.symbols;
  const defects = s.defects ?? [];
  const counts = s.defectCounts ?? countKinds(defects);
  const kinds = DEFECT_KINDS.filter((k) => counts[k] > 0);
  // each weakened component, with the defects behind it: `completeness 0.78 (1 missing, 1 invented)`
  const behind = new Map<keyof QualityComponents, string[]>();
  const blame = (comp: keyof QualityComponents, why: string) =>
    behind.set(comp, [...(behind.get(comp) ?? []), why]);
  for (const k of kinds) for (const comp of COMPONENTS[k]) blame(comp, `${counts[k]} ${LABEL[k]}`);
  // a deprecated item dropped is missing, and costs the deprecation component too
  const droppedDeprecated = (s.deprecatedExpected ?? 0) - (s.deprecatedFound ?? 0);
  if (droppedDeprecated > 0) blame('deprecation', `${droppedDeprecated} deprecated missing`);
  if (v.toolchain.warnings > 0)
    blame('warnings', `${v.toolchain.warnings} toolchain warning${v.toolchain.warnings === 1 ? '' : 's'}`);
  const weak = (Object.keys(c) as (keyof QualityComponents)[]).filter(
    (k) => behind.has(k) && (k !== 'warnings' || c.warnings < WEAK),
  );

  const parts: string[] = [];
  if (c.compiled === null) parts.push(v.toolchain.reason ?? 'not validated');
  if (behind.size > 0)
    parts.push(
      [...behind].map(([comp, why]) => `${comp} ${(c[comp] ?? 0).toFixed(2)} (${why.join(', ')})`).join(', '),
    );
  const total = s.defectsTotal ?? defects.length;
  if (total > 0) {
    const quoted = defects.slice(0, QUOTED).map((d) => d.message);
    const more = total - quoted.length;
    parts[parts.length - 1] += `: ${quoted.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  }
  const needs = c.compiled === null ? missingLibrary(v) : [];
  return {
    weak,
    summary: parts.join('; ') || `no defects, q=${v.quality.q.toFixed(3)}`,
    defects,
    ...(needs.length ? { needs } : {}),
  };
}

function countKinds(defects: Defect[]): Record<DefectKind, number> {
  const counts = Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>;
  for (const d of defects) counts[d.kind]++;
  return counts;
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
 * and explainable: the reason says which component drove the choice. A candidate not validated for
 * lack of a library points at the params whose description names that library (`describe`: the
 * pack's text of a param), so the variant without it is tried whatever the first round drew, and
 * the outcome (exit code) does not depend on the draw.
 */
export function correctionArms(
  best: Arm,
  diagnosis: Diagnosis,
  tried: Set<string>,
  arms: Arm[],
  k: number,
  mean: (a: Arm) => number,
  describe: (a: Arm, param: string) => string = () => '',
): { arms: Arm[]; reason: string } {
  const needs = diagnosis.needs ?? [];
  const points = (a: Arm, p: string) =>
    diagnosis.weak.some((w) => HINTS[w].test(p)) || needs.some((n) => describe(a, p).includes(n));
  const scored = arms
    .filter((a) => !tried.has(a.key))
    .map((a) => {
      const changed = Object.keys({ ...a.params, ...best.params }).filter(
        (p) => a.params[p] !== best.params[p] || a.packId !== best.packId,
      );
      const relevant = changed.filter((p) => points(a, p));
      return {
        a,
        relevant,
        score: relevant.length - 0.25 * (changed.length - relevant.length) + 0.5 * mean(a),
      };
    })
    .filter((x) => x.relevant.length > 0 || (diagnosis.weak.length === 0 && needs.length === 0))
    .sort((x, y) => y.score - x.score || x.a.key.localeCompare(y.a.key));
  const chosen = scored.slice(0, k);
  const reason = chosen.length
    ? `${diagnosis.summary} -> try ${chosen.map((x) => `{${x.relevant.map((p) => `${p}=${x.a.params[p]}`).join(', ')}}`).join(', ')}`
    : `${diagnosis.summary} -> no untried variant changes a param that could fix it`;
  return { arms: chosen.map((x) => x.a), reason };
}
