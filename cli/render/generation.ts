import type { GenerationRecord, LanguageOutcome } from '../../node/jobs/types.js';
import { formatDiagnostic } from '../../node/semconv/diagnostics.js';
import { QUALITY_WEIGHTS } from '../../node/validation/quality.js';
import { SKIPPED_REASON } from '../../node/validation/toolchain.js';
import { shown } from './paths.js';
import { table } from './table.js';

/** What `generate --json` prints: per language the files, symbols, validation (located diagnostics) and quality. */
export function generationJson(record: GenerationRecord, totalMs: number) {
  return {
    generation: {
      id: record.id,
      status: record.status,
      traceId: record.traceId,
      out: record.out,
      ...(record.cachedFrom ? { cachedFrom: record.cachedFrom } : {}),
    },
    registry: record.registry ?? { root: record.request.registry },
    ...(record.check ? { check: record.check } : {}),
    languages: record.languages.map(languageJson),
    ...(record.error ? { error: record.error, errorCode: record.errorCode } : {}),
    timings: { totalMs: Math.round(totalMs) },
  };
}

function languageJson(l: LanguageOutcome) {
  const w = l.winner;
  return {
    language: l.language,
    context: l.context,
    pack: { name: w?.arm.packName ?? '' },
    params: w?.arm.params ?? {},
    model: w?.arm.model,
    files: w?.files ?? [],
    outDir: l.outDir,
    symbols: w?.symbols ?? { expected: 0, found: 0 },
    validation: w
      ? w.validation
      : { status: 'failed', summary: `failed: ${l.reason}`, errors: 1, warnings: 0, diagnostics: [] },
    ...(w ? { quality: { q: w.q, components: w.components, weights: { ...QUALITY_WEIGHTS } } } : {}),
    candidates: l.candidates.length,
    rounds: l.rounds,
    reason: l.reason,
    ...(w ? {} : { error: l.reason }),
  };
}

/** The summary table, the output folders and the first located errors of each language. */
export function generationSummary(record: GenerationRecord, totalMs: number, home?: string): string {
  const r = record.registry;
  const lines = r
    ? [`registry ${shown(r.root)}: ${r.attributes} attributes, ${r.metrics} metrics, ${r.events} events`, '']
    : [];
  if (record.check?.allowed)
    lines.push(`the registry has ${record.check.errors} check errors, allowed by --allow-errors`, '');
  const rows = record.languages.map((l) => [
    l.language,
    l.winner?.arm.packName || '-',
    l.winner?.files.length ?? 0,
    l.winner?.symbols.expected ? `${l.winner.symbols.found}/${l.winner.symbols.expected}` : '-',
    l.winner?.validation.summary ?? `failed: ${l.reason}`,
    l.winner ? l.winner.q.toFixed(3) : '-',
  ]);
  if (rows.length) lines.push(table(['language', 'pack', 'files', 'symbols', 'validation', 'quality'], rows));
  for (const l of record.languages) {
    if (l.outDir) lines.push(`${l.language}: ${shown(l.outDir)}`);
    for (const d of l.winner?.validation.diagnostics.filter((x) => x.severity === 'error').slice(0, 5) ?? [])
      lines.push(`  ${l.language} ${d.file}:${d.line}:${d.column}: ${d.message}`);
  }
  const how = record.cachedFrom ? `, served from the cache of generation ${record.cachedFrom}` : '';
  lines.push(
    '',
    `generation ${record.id} ${record.status} in ${(totalMs / 1000).toFixed(2)} s${how}; why: weavergen explain ${record.id}${home ? ` --home ${home}` : ''}`,
  );
  return lines.join('\n');
}

/** The registry check's findings as `weavergen registry check` prints them. */
export function checkReport(record: GenerationRecord): string {
  const c = record.check;
  if (!c) return '';
  return [
    ...c.diagnostics.map(formatDiagnostic),
    `failed: ${c.errors} error${c.errors === 1 ? '' : 's'}, ${c.warnings} warning${c.warnings === 1 ? '' : 's'}${c.diagnostics.length < c.errors + c.warnings ? ` (first ${c.diagnostics.length} shown)` : ''}`,
  ].join('\n');
}

/**
 * Why a generation should fail a script, one line per problem: a language that failed, or that no
 * toolchain validated (unless the request skipped validation), or the whole generation failing.
 */
export function problemsOf(record: GenerationRecord): string[] {
  const problems: string[] = [];
  for (const l of record.languages) {
    const v = l.winner?.validation;
    if (!l.winner) problems.push(`${l.language}: failed: ${l.reason}`);
    else if (v?.status === 'failed') problems.push(`${l.language}: ${v.summary}`);
    else if (v?.status === 'not_validated' && v.summary !== SKIPPED_REASON)
      problems.push(`${l.language}: ${v.summary}; install it, or pass --no-validate to skip validation`);
  }
  // a generation that did not succeed as a whole (a write that failed, a cancellation) is a problem
  // even when its languages have results
  if (record.status !== 'succeeded' && problems.length === 0)
    problems.push(record.error ?? `the generation ended ${record.status}`);
  return problems;
}
