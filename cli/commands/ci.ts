import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { exitCodeOf } from '../../node/errors.js';
import { LANGUAGES } from '../../node/generation/languages.js';
import type { GenerationRequest } from '../../node/jobs/types.js';
import { openRegistrySource } from '../../node/semconv/index.js';
import { EXIT, UsageError } from '../errors.js';
import { ciTable, ciVerdict, formatMin } from '../render/ci.js';
import { checkReport, generationJson, generationSummary } from '../render/generation.js';
import { junitXml } from '../render/junit.js';
import { shown } from '../render/paths.js';
import { withSession } from '../session.js';
import { parseLanguages, parseParams, runOnNode } from './generate.js';
import { registryArgument } from './registry-source.js';

export const DEFAULT_JUNIT = 'weavergen-junit.xml';
export const DEFAULT_MIN_QUALITY = 0.9;

export interface CiCommandOptions {
  registry?: string;
  /** default: every language (each has a built-in pack) */
  lang?: string;
  out?: string;
  pack?: string;
  param: string[];
  candidates?: string;
  minQuality?: string;
  /** the JUnit report's path, `-` for stdout */
  junit?: string;
  json?: boolean;
  home?: string;
}

/** --min-quality: a number in [0, 1] (q is in [0, 1]: anything else could never pass, or always would). */
export function parseMinQuality(s: string | undefined): number {
  if (s === undefined) return DEFAULT_MIN_QUALITY;
  const v = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(s) ? Number(s) : Number.NaN;
  if (!(v >= 0 && v <= 1))
    throw new UsageError(`--min-quality ${s} is not a quality: give a number from 0 to 1, e.g. 0.9`);
  return v;
}

export function parseCandidates(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(s) ? Number(s) : Number.NaN;
  if (!(n >= 1 && n <= 8)) throw new UsageError(`--candidates ${s}: give a whole number from 1 to 8`);
  return n;
}

/**
 * `weavergen ci [dir | -r registry]`: the registry check, a generation of every language asked for
 * (all of them by default) with validation by the real toolchains, and each winner's quality
 * against --min-quality, as one generation on the home's node (the same pipeline as `generate`).
 * Writes a JUnit report (a suite per stage, a case per check) and exits 0 when every check passed,
 * 1 when one failed (check errors, a language that failed or was not validated, a quality below the
 * threshold), 2 when it could not run.
 */
export async function ci(dir: string | undefined, opts: CiCommandOptions): Promise<number> {
  const spec = registryArgument(dir, opts.registry);
  const languages = opts.lang === undefined ? [...LANGUAGES] : parseLanguages(opts.lang);
  const minQuality = parseMinQuality(opts.minQuality);
  const candidates = parseCandidates(opts.candidates);
  const params = parseParams(opts.param);
  const junit = opts.junit ?? DEFAULT_JUNIT;
  if (junit === '' || (junit === '-' && opts.json))
    throw new UsageError(
      junit === ''
        ? '--junit needs a file (or - for stdout)'
        : '--junit - and --json would both write to stdout: give the report a file (--junit PATH)',
    );
  const junitPath = junit === '-' ? undefined : resolve(junit);
  if (junitPath && existsSync(junitPath) && statSync(junitPath).isDirectory())
    throw new UsageError(
      `--junit ${junit} is a folder: give the report's file, e.g. ${junit}/${DEFAULT_JUNIT}`,
    );
  // with the report on stdout, what a person reads goes to stderr
  const say = (s: string) => (junitPath ? process.stdout : process.stderr).write(`${s}\n`);

  // a git repository or an archive is fetched into a temp folder, which the node reads like any other
  const source = await openRegistrySource(spec);
  try {
    const request: GenerationRequest = {
      registry: resolve(source.path),
      languages,
      ...(opts.out ? { out: resolve(opts.out) } : {}),
      ...(opts.pack ? { pack: existsSync(opts.pack) ? resolve(opts.pack) : opts.pack } : {}),
      ...(Object.keys(params).length ? { params } : {}),
      ...(candidates ? { candidates } : {}),
    };
    const fetched = source.kind !== 'folder' ? resolve(source.path) : undefined;
    const file = fetched
      ? (f: string) => {
          const rel = relative(fetched, resolve(f));
          return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : f;
        }
      : undefined;
    const outputs = request.out ? [request.out] : [];
    return await withSession({ home: opts.home, command: 'weavergen ci', outputs }, async (session) => {
      for (const s of session.skippedModels) process.stderr.write(`weavergen: ${s}\n`);
      if (!opts.json)
        process.stderr.write(
          `weavergen ci: ${spec}: registry check, then ${languages.join(', ')}: generation, validation, quality >= ${formatMin(minQuality)}\n`,
        );
      const started = performance.now();
      const record = await runOnNode(session.api, request, !opts.json);
      const totalMs = performance.now() - started;
      const verdict = ciVerdict(record, { languages, minQuality, file });
      const xml = junitXml('weavergen ci', verdict.suites, totalMs);
      const refused = !!record.check && record.check.errors > 0 && !record.check.allowed;
      const { tests, failures, errors, skipped } = verdict.counts;
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify(
            {
              passed: verdict.passed,
              minQuality,
              junit: junitPath ?? '-',
              counts: verdict.counts,
              suites: verdict.suites,
              ...generationJson(record, totalMs),
            },
            null,
            2,
          )}\n`,
        );
      else {
        say(refused ? checkReport(record) : generationSummary(record, totalMs, opts.home));
        if (!session.embedded)
          say(`dashboard: ${session.api.url}/#/generations/${encodeURIComponent(record.id)}`);
        say(`\n${ciTable(verdict)}\n`);
        const bad = failures + errors;
        say(
          verdict.passed
            ? `ci passed: ${tests} checks${skipped ? ` (${skipped} skipped)` : ''}`
            : `ci failed: ${bad} of ${tests} checks failed${skipped ? `, ${skipped} skipped` : ''}`,
        );
      }
      if (junitPath) {
        try {
          await mkdir(dirname(junitPath), { recursive: true });
          await writeFile(junitPath, xml);
        } catch (e) {
          throw new UsageError(
            `could not write the JUnit report to ${junit}: ${(e as Error).message}; give another path with --junit`,
          );
        }
        if (!opts.json) say(`JUnit report: ${shown(junitPath)}`);
      } else process.stdout.write(xml);
      for (const p of verdict.problems) process.stderr.write(`weavergen: ${p}\n`);
      if (verdict.passed) return EXIT.OK;
      // a generation that could not run at all (a dependency registry gone) says so by its own code
      return record.errorCode && !refused ? exitCodeOf(record.errorCode) : EXIT.PROBLEMS;
    });
  } finally {
    await source.cleanup();
  }
}
