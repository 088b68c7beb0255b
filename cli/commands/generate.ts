import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { type GenerateProgress, type GenerateResult, generateProject } from '../../node/generate.js';
import { LANGUAGES, type Language, toLanguage } from '../../node/generation/index.js';
import type { GenerationEvent, GenerationRecord, GenerationRequest } from '../../node/jobs/types.js';
import { QUALITY_WEIGHTS } from '../../node/validation/index.js';
import { type ApiClient, connect } from '../client.js';
import { EXIT } from '../errors.js';
import { table } from '../render/table.js';

export interface GenerateOptions {
  home?: string;
  lang: string;
  out?: string;
  pack?: string;
  param: string[];
  json?: boolean;
  validate: boolean;
}

export function parseLanguages(list: string): Language[] {
  const langs = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return langs.map((l) => {
    const lang = toLanguage(l);
    if (!lang) throw new UsageError(`unknown language "${l}"; use ${LANGUAGES.join(', ')} (or ts, py, rs)`);
    return lang;
  });
}

export function parseParams(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--param expects key=value, got "${p}"`);
    out[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return out;
}

export class UsageError extends Error {}

/** `weavergen generate <dir> --lang ... --out ...`: progress per language on a TTY, then a summary table (or --json). */
export async function generate(dir: string, opts: GenerateOptions): Promise<number> {
  const languages = parseLanguages(opts.lang);
  const params = parseParams(opts.param);
  const tty = !opts.json && process.stderr.isTTY;
  const bars = tty
    ? new cliProgress.MultiBar(
        {
          format: ' {lang} |{bar}| {phase}',
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const byLang = new Map(
    languages.map((l) => [l, bars?.create(3, 0, { lang: l.padEnd(10), phase: 'queued' })]),
  );
  const onProgress = (p: GenerateProgress) => {
    const bar = byLang.get(p.language);
    bar?.setTotal(p.steps);
    bar?.update(p.step, { phase: p.phase });
  };
  const api = opts.validate
    ? await connect(resolve(opts.home ?? process.env.WEAVERGEN_HOME ?? '.weavergen'))
    : undefined;
  const result = await (api
    ? viaNode(
        api,
        {
          registry: resolve(dir),
          languages,
          out: opts.out ? resolve(opts.out) : undefined,
          pack: opts.pack,
          params: Object.keys(params).length ? params : undefined,
        },
        onProgress,
      )
    : generateProject(
        { registry: dir, languages, out: opts.out, pack: opts.pack, params, validate: opts.validate },
        onProgress,
      )
  ).finally(() => bars?.stop());
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${summary(result)}\n`);
  return result.languages.some((l) => l.validation.status === 'failed') ? EXIT.PROBLEMS : EXIT.OK;
}

/** The same generation through a running node (spans, learning, cache), shown exactly like a local one. */
async function viaNode(
  api: ApiClient,
  request: GenerationRequest,
  onProgress: (p: GenerateProgress) => void,
): Promise<GenerateResult> {
  const started = performance.now();
  const { id } = await api.post<{ id: string }>('/v1/generate', request);
  const phases = ['choose', 'candidates', 'write', 'done'];
  let record: GenerationRecord | undefined;
  await api.events(`/v1/generations/${id}/events`, (event, data) => {
    const e = data as GenerationEvent;
    if (e.type === 'progress')
      onProgress({
        language: e.language as Language,
        phase: e.phase as GenerateProgress['phase'],
        step: Math.max(0, phases.indexOf(e.phase)),
        steps: phases.length - 1,
      });
    if (e.type === 'result' || event === 'result') record = (e as { record: GenerationRecord }).record;
  });
  record ??= await api.get<GenerationRecord>(`/v1/generations/${id}`);
  return fromRecord(record, performance.now() - started);
}

export function fromRecord(record: GenerationRecord, totalMs: number): GenerateResult {
  return {
    registry: record.registry ?? {
      root: record.request.registry,
      attributes: 0,
      metrics: 0,
      events: 0,
      errors: 0,
    },
    languages: record.languages.map((l) => {
      const w = l.winner;
      return {
        language: l.language as Language,
        pack: { name: w?.arm.packName ?? '', version: '' },
        params: w?.arm.params ?? {},
        files: w?.files ?? [],
        outDir: l.outDir,
        symbols: w?.symbols ?? { expected: 0, found: 0 },
        validation: w
          ? {
              status: w.validation.status as 'passed' | 'failed' | 'not_validated',
              summary: w.validation.summary,
              errors: w.validation.errors,
              warnings: w.validation.warnings,
              diagnostics: w.validation.diagnostics,
            }
          : { status: 'failed', summary: `failed: ${l.reason}`, errors: 1, warnings: 0, diagnostics: [] },
        quality: w ? { q: w.q, components: w.components, weights: { ...QUALITY_WEIGHTS } } : undefined,
        timings: { renderMs: 0, validateMs: 0, writeMs: 0 },
        ...(w ? {} : { error: l.reason }),
      };
    }),
    timings: { resolveMs: 0, totalMs },
    generation: { id: record.id, status: record.status, traceId: record.traceId },
  };
}

export function summary(r: GenerateResult): string {
  const rows = r.languages.map((l) => [
    l.language,
    l.pack.name || '-',
    l.files.length,
    l.symbols.expected ? `${l.symbols.found}/${l.symbols.expected}` : '-',
    l.validation.summary,
    l.quality ? l.quality.q.toFixed(3) : '-',
  ]);
  const lines = [
    `registry ${r.registry.root}: ${r.registry.attributes} attributes, ${r.registry.metrics} metrics, ${r.registry.events} events`,
    '',
    table(['language', 'pack', 'files', 'symbols', 'validation', 'quality'], rows),
  ];
  for (const l of r.languages) {
    if (l.outDir) lines.push(`${l.language}: ${l.outDir}`);
    for (const d of l.validation.diagnostics.filter((x) => x.severity === 'error').slice(0, 5))
      lines.push(`  ${l.language} ${d.file}:${d.line}:${d.column}: ${d.message}`);
  }
  lines.push(
    '',
    `done in ${(r.timings.totalMs / 1000).toFixed(2)} s${r.generation ? ` by the running node (generation ${r.generation.id})` : ''}`,
  );
  return lines.join('\n');
}
