import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { exitCodeOf } from '../../node/errors.js';
import { LANGUAGES, type Language, toLanguage } from '../../node/generation/languages.js';
import type { GenerationEvent, GenerationRecord, GenerationRequest } from '../../node/jobs/types.js';
import { NodeError, NodeErrorCode } from '../../node/node-errors.js';
import { type ApiClient, ApiError } from '../client.js';
import { EXIT, UsageError } from '../errors.js';
import { checkReport, generationJson, generationSummary, problemsOf } from '../render/generation.js';
import { createProgress } from '../render/progress.js';
import { withSession } from '../session.js';

export interface GenerateOptions {
  home?: string;
  lang: string;
  out?: string;
  pack?: string;
  param: string[];
  json?: boolean;
  /** false with --no-validate */
  validate: boolean;
  allowErrors?: boolean;
}

export function parseLanguages(list: string): Language[] {
  const langs = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (langs.length === 0) throw new UsageError(`--lang needs at least one of ${LANGUAGES.join(', ')}`);
  return [
    ...new Set(
      langs.map((l) => {
        const lang = toLanguage(l);
        if (!lang)
          throw new UsageError(`unknown language "${l}"; use ${LANGUAGES.join(', ')} (or ts, py, go, rs)`);
        return lang;
      }),
    ),
  ];
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

/**
 * `weavergen generate <dir> --lang ...`: one generation on the home's node (the running one, else
 * one in this process): progress per language on a terminal, then a summary table (or --json).
 * Exit 0 when every language passed, 1 when the registry has check errors or a language failed or
 * was not validated, 2 when the request itself is wrong.
 */
export async function generate(dir: string, opts: GenerateOptions): Promise<number> {
  const params = parseParams(opts.param);
  const request: GenerationRequest = {
    registry: resolve(dir),
    languages: parseLanguages(opts.lang),
    ...(opts.out ? { out: resolve(opts.out) } : {}),
    // a pack folder is read by the node, whose working directory may differ: give it absolute
    ...(opts.pack ? { pack: existsSync(opts.pack) ? resolve(opts.pack) : opts.pack } : {}),
    ...(Object.keys(params).length ? { params } : {}),
    ...(opts.validate === false ? { validate: false } : {}),
    ...(opts.allowErrors ? { allowErrors: true } : {}),
  };
  const outputs = request.out ? [request.out] : [];
  return withSession({ home: opts.home, command: 'weavergen generate', outputs }, async (session) => {
    for (const s of session.skippedModels) process.stderr.write(`weavergen: ${s}\n`);
    const started = performance.now();
    const record = await runOnNode(session.api, request, !opts.json);
    const code = report(record, performance.now() - started, opts.json, opts.home);
    // a running node keeps the generation's page (a node started for this command stops with it)
    if (!session.embedded && !opts.json)
      process.stdout.write(`dashboard: ${session.api.url}/#/generations/${encodeURIComponent(record.id)}\n`);
    return code;
  });
}

/** Starts the generation and follows its events to the end (progress bars on a terminal). */
export async function runOnNode(
  api: ApiClient,
  request: GenerationRequest,
  showProgress: boolean,
): Promise<GenerationRecord> {
  const { id } = await api.post<{ id: string }>('/v1/generate', request);
  const progress = showProgress ? createProgress(request.languages) : undefined;
  let record: GenerationRecord | undefined;
  try {
    await api.events(`/v1/generations/${encodeURIComponent(id)}/events`, (event, data) => {
      const e = data as GenerationEvent;
      if (e.type === 'progress') progress?.update(e.language, e.phase, e.detail);
      if (e.type === 'result' || event === 'result') record = (e as { record: GenerationRecord }).record;
    });
    record ??= await api.get<GenerationRecord>(`/v1/generations/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    // the stream broke: the node stopped (or was killed) while the generation ran
    throw new NodeError(
      { code: NodeErrorCode.NOT_RUNNING, home: api.url },
      `the node at ${api.url} stopped while generation ${id} ran (${(e as Error).message}); once it runs again, \`weavergen explain ${id}\` shows how far it got`,
    );
  } finally {
    progress?.stop();
  }
  return record;
}

/**
 * Prints the result and returns the exit code a script can trust: the error table's code when the
 * generation failed as a whole (a dependency registry gone: 2), 1 for a refused registry or a
 * language that failed or was not validated, 0 otherwise.
 */
export function report(record: GenerationRecord, totalMs: number, json?: boolean, home?: string): number {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const refused = record.check && record.check.errors > 0 && !record.check.allowed;
  if (json) out(JSON.stringify(generationJson(record, totalMs), null, 2));
  else if (refused) out(checkReport(record));
  else out(generationSummary(record, totalMs, home));
  const problems = refused ? [record.error ?? 'the registry has check errors'] : problemsOf(record);
  for (const p of problems) process.stderr.write(`weavergen: ${p}\n`);
  if (problems.length === 0) return EXIT.OK;
  return record.errorCode && !refused ? exitCodeOf(record.errorCode) : EXIT.PROBLEMS;
}
