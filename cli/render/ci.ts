import type { GenerationRecord, LanguageOutcome } from '../../node/jobs/types.js';
import { type Diagnostic, formatDiagnostic } from '../../node/semconv/diagnostics.js';
import { QUALITY_WEIGHTS } from '../../node/validation/quality.js';
import { SKIPPED_REASON } from '../../node/validation/toolchain.js';
import { countCases, type JUnitCase, type JUnitCounts, type JUnitSuite } from './junit.js';
import { table } from './table.js';

/**
 * `weavergen ci`'s verdict on one generation record, as JUnit suites: the registry check (a case
 * per located error), then per language the generation, its validation by the real toolchain and
 * its quality against the threshold. The JUnit report, the `--json` output, the summary table and
 * the exit code are all read from these suites, so they cannot disagree.
 */

export const CHECK_SUITE = 'registry check';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export interface CiOptions {
  /** the languages asked for, in order: each has a suite even when nothing ran for it */
  languages: readonly string[];
  /** a winner's q below this fails its quality case */
  minQuality: number;
  /** how a registry file is named in the report (a fetched registry's temp folder left out) */
  file?: (path: string) => string;
}

export interface CiVerdict {
  suites: JUnitSuite[];
  counts: JUnitCounts;
  passed: boolean;
  /** the registry's check errors (all of them, also those past the listed ones) */
  checkErrors: number;
  /** one line per failed check, for stderr */
  problems: string[];
}

/** q as the report shows it: 3 decimals, more when 3 would round it up to the threshold it missed. */
export function formatQ(q: number, min: number): string {
  const s = q.toFixed(3);
  return q < min && Number(s) >= min ? String(q) : s;
}

export const formatMin = (min: number) => (Number(min.toFixed(2)) === min ? min.toFixed(2) : String(min));

export function ciVerdict(record: GenerationRecord, opts: CiOptions): CiVerdict {
  const refused = !!record.check && record.check.errors > 0 && !record.check.allowed;
  const suites = [
    checkSuite(record, opts),
    ...opts.languages.map((l) => languageSuite(record, l, refused, opts)),
  ];
  const all = suites.flatMap((s) => s.cases);
  // a generation that ended otherwise (cancelled, a write that failed) fails even when its checks pass
  if (
    !refused &&
    record.status !== 'succeeded' &&
    !all.some((c) => c.status === 'failed' || c.status === 'error')
  )
    suites.push({
      name: 'generation',
      cases: [
        {
          name: `generation ${record.id}`,
          classname: 'generation',
          status: 'error',
          message: record.error ?? `the generation ended ${record.status}`,
          type: record.errorCode,
        },
      ],
    });
  const counts = countCases(suites.flatMap((s) => s.cases));
  return {
    suites,
    counts,
    passed: counts.failures + counts.errors === 0,
    checkErrors: record.check?.errors ?? 0,
    problems: problemsOf(suites, record.check?.errors ?? 0),
  };
}

function checkSuite(record: GenerationRecord, opts: CiOptions): JUnitSuite {
  const name = CHECK_SUITE;
  const located = (d: Diagnostic): Diagnostic =>
    opts.file ? { ...d, location: { ...d.location, file: opts.file(d.location.file) } } : d;
  const diagnostics = (record.check?.diagnostics ?? []).map(located);
  const warnings = diagnostics.filter((d) => d.severity !== 'error');
  const output = warnings.length ? warnings.map(formatDiagnostic).join('\n') : undefined;
  if (!record.registry)
    return {
      name,
      output,
      cases: [
        {
          name,
          classname: name,
          status: 'error',
          message: record.error ?? 'the registry could not be loaded',
          type: record.errorCode,
        },
      ],
    };
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const total = record.check?.errors ?? 0;
  const r = record.registry;
  const counted = `${plural(r.attributes, 'attribute')}, ${plural(r.metrics, 'metric')}, ${plural(r.events, 'event')}: ${plural(total, 'error')}, ${plural(warnings.length, 'warning')}`;
  if (total === 0)
    return { name, output, cases: [{ name, classname: name, status: 'passed', output: counted }] };
  const cases: JUnitCase[] = errors.map((d) => {
    const l = d.location;
    return {
      name: `${l.file}:${l.line}:${l.column} [${d.code}]`,
      classname: name,
      status: 'failed',
      message: `${d.message} (fix: ${d.hint})`,
      type: d.code,
      detail: formatDiagnostic(d),
      file: l.file,
      line: l.line,
    };
  });
  if (total > errors.length)
    cases.push({
      name: 'more errors',
      classname: name,
      status: 'failed',
      message: `${plural(total - errors.length, 'more error')} not listed here: weavergen registry check lists them all`,
    });
  return { name, output: output ? `${counted}\n${output}` : counted, cases };
}

function languageSuite(
  record: GenerationRecord,
  language: string,
  refused: boolean,
  opts: CiOptions,
): JUnitSuite {
  const outcome = record.languages.find((l) => l.language === language);
  const c = (name: string, rest: Omit<JUnitCase, 'name' | 'classname'>): JUnitCase => ({
    name,
    classname: language,
    ...rest,
  });
  if (!outcome) {
    const message = refused
      ? 'not run: the registry has check errors'
      : `not run: ${record.error ?? `the generation ended ${record.status}`}`;
    return {
      name: language,
      cases: ['generation', 'validation', 'quality'].map((n) => c(n, { status: 'skipped', message })),
    };
  }
  const w = outcome.winner;
  if (!w)
    return {
      name: language,
      cases: [
        c('generation', {
          status: 'failed',
          message: `failed: ${outcome.reason}`,
          detail: candidatesOf(outcome),
        }),
        c('validation', { status: 'skipped', message: 'no candidate to validate' }),
        c('quality', { status: 'skipped', message: 'no candidate to score' }),
      ],
    };
  const params = Object.entries(w.arm.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const made = [
    `pack ${w.arm.packName}${params ? ` (${params})` : ''}, model ${w.arm.model}`,
    `${w.files.length} files, symbols ${w.symbols.found}/${w.symbols.expected}`,
    `${plural(outcome.candidates.length, 'candidate')}, ${plural(outcome.rounds ?? 1, 'round')}: ${outcome.reason}`,
    ...(outcome.outDir ? [`files in ${outcome.outDir}`] : []),
  ].join('\n');
  return {
    name: language,
    cases: [
      c('generation', { status: 'passed', output: made }),
      validationCase(outcome, c),
      qualityCase(w, opts.minQuality, c),
    ],
  };
}

type Make = (name: string, rest: Omit<JUnitCase, 'name' | 'classname'>) => JUnitCase;
type Winner = NonNullable<LanguageOutcome['winner']>;

function validationCase(outcome: LanguageOutcome, c: Make): JUnitCase {
  const v = outcome.winner!.validation;
  const listed = [...v.diagnostics]
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
    .map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
  if (v.status === 'passed')
    return c('validation', {
      status: 'passed',
      output: [`${v.summary}: ${v.errors} errors, ${v.warnings} warnings`, ...listed].join('\n'),
    });
  // a toolchain that could not run is never a pass: CI must say what to install
  const message =
    v.status === 'not_validated'
      ? v.summary === SKIPPED_REASON
        ? v.summary
        : `${v.summary}; install it, or leave the language out (--lang)`
      : v.summary;
  const head =
    v.status === 'failed'
      ? `${v.status}: ${plural(v.errors, 'error')}, ${plural(v.warnings, 'warning')}`
      : v.summary;
  return c('validation', {
    status: 'failed',
    message,
    type: v.status,
    detail: [head, ...listed, ...(outcome.outDir ? [`files in ${outcome.outDir}`] : [])].join('\n'),
  });
}

const COMPONENTS = Object.keys(QUALITY_WEIGHTS) as (keyof typeof QUALITY_WEIGHTS)[];

/** Each weighted component, and what it costs q: what to improve first. */
export function qualityDetail(w: Pick<Winner, 'q' | 'components'>): string {
  const k = w.components;
  const terms = COMPONENTS.map((n) => `${n} ${k[n].toFixed(3)} x ${QUALITY_WEIGHTS[n].toFixed(2)}`);
  const compiled =
    k.compiled === 1
      ? 'compiled'
      : k.compiled === 0
        ? 'did not compile: q is 0.3 x the weighted sum'
        : 'no toolchain said it compiles: q is 0.3 x the weighted sum';
  const costs = COMPONENTS.map((n) => ({ n, cost: QUALITY_WEIGHTS[n] * (1 - k[n]) }))
    .filter((x) => x.cost > 0.0005)
    .sort((a, b) => b.cost - a.cost)
    .map((x) => `${x.n} costs ${x.cost.toFixed(3)}`);
  return [
    `q ${w.q}: ${compiled}`,
    `  ${terms.join(' + ')}`,
    ...(costs.length ? [`  ${costs.join(', ')}`] : []),
  ].join('\n');
}

function qualityCase(w: Winner, min: number, c: Make): JUnitCase {
  const detail = qualityDetail(w);
  if (w.q >= min)
    return c('quality', {
      status: 'passed',
      output: `quality ${formatQ(w.q, min)} >= ${formatMin(min)}\n${detail}`,
    });
  const k = w.components;
  const lowest = COMPONENTS.filter((n) => k[n] < 1)
    .sort((a, b) => QUALITY_WEIGHTS[b] * (1 - k[b]) - QUALITY_WEIGHTS[a] * (1 - k[a]))
    .slice(0, 2)
    .map((n) => `${n} ${k[n].toFixed(3)}`);
  const why = [
    ...(k.compiled === 1 ? [] : [k.compiled === 0 ? 'did not compile' : 'not validated']),
    ...lowest,
  ];
  return c('quality', {
    status: 'failed',
    message: `quality ${formatQ(w.q, min)} < ${formatMin(min)}${why.length ? ` (${why.join(', ')})` : ''}`,
    type: 'quality',
    detail,
  });
}

const candidatesOf = (l: LanguageOutcome) =>
  l.candidates.map((x) => `${x.arm.packName} ${x.arm.model}: ${x.status}: ${x.summary}`).join('\n') ||
  undefined;

function problemsOf(suites: JUnitSuite[], checkErrors: number): string[] {
  const out: string[] = [];
  for (const s of suites) {
    const bad = s.cases.filter((c) => c.status === 'failed' || c.status === 'error');
    if (s.name === CHECK_SUITE && bad.length > 1)
      out.push(
        `${s.name}: the registry has ${plural(checkErrors, 'error')}, each with its file:line:column and fix above`,
      );
    else
      for (const c of bad)
        out.push(
          `${s.name}: ${c.name === s.name || c.message?.startsWith(c.name) ? '' : `${c.name}: `}${c.message}`,
        );
  }
  return out;
}

/** One row per check (the registry's errors on one row): what `weavergen ci` prints after the run. */
export function ciTable(v: CiVerdict): string {
  const rows: string[][] = [];
  for (const s of v.suites) {
    if (s.name === CHECK_SUITE) {
      const bad = s.cases.find((c) => c.status === 'failed' || c.status === 'error');
      const n = v.checkErrors;
      const result = !bad
        ? 'passed'
        : bad.status === 'error'
          ? `error: ${bad.message}`
          : `failed: ${plural(n, 'error')}`;
      rows.push([s.name, 'check', result]);
      continue;
    }
    for (const c of s.cases)
      rows.push([s.name, c.name, c.status === 'passed' ? 'passed' : `${c.status}: ${c.message ?? ''}`]);
  }
  return table(['suite', 'check', 'result'], rows);
}
