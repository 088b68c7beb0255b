import cliProgress from 'cli-progress';
import { type GenerateProgress, type GenerateResult, generateProject } from '../../node/generate.js';
import { type Language, LANGUAGES, toLanguage } from '../../node/generation/index.js';
import { EXIT } from '../errors.js';
import { table } from '../render/table.js';

export interface GenerateOptions {
  lang: string;
  out?: string;
  pack?: string;
  param: string[];
  json?: boolean;
  validate: boolean;
}

export function parseLanguages(list: string): Language[] {
  const langs = list.split(',').map((s) => s.trim()).filter(Boolean);
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
  const bars = tty ? new cliProgress.MultiBar({ format: ' {lang} |{bar}| {phase}', hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
  const byLang = new Map(languages.map((l) => [l, bars?.create(3, 0, { lang: l.padEnd(10), phase: 'queued' })]));
  const onProgress = (p: GenerateProgress) => {
    const bar = byLang.get(p.language);
    bar?.setTotal(p.steps);
    bar?.update(p.step, { phase: p.phase });
  };
  const result = await generateProject({ registry: dir, languages, out: opts.out, pack: opts.pack, params, validate: opts.validate }, onProgress).finally(() => bars?.stop());
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${summary(result)}\n`);
  return result.languages.some((l) => l.validation.status === 'failed') ? EXIT.PROBLEMS : EXIT.OK;
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
    for (const d of l.validation.diagnostics.filter((x) => x.severity === 'error').slice(0, 5)) lines.push(`  ${l.language} ${d.file}:${d.line}:${d.column}: ${d.message}`);
  }
  lines.push('', `done in ${(r.timings.totalMs / 1000).toFixed(2)} s`);
  return lines.join('\n');
}
