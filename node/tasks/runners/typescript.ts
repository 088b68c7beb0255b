import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type TS from 'typescript';
import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { TASK_HOME, taskProcess } from './env.js';
import {
  cancelledRun,
  firstLine,
  neverThrows,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

/** node:types come from this package's own @types/node: the temp dir has no node_modules. */
const TYPE_ROOTS = (() => {
  try {
    return [dirname(dirname(createRequire(import.meta.url).resolve('@types/node/package.json')))];
  } catch {
    return undefined;
  }
})();

/**
 * CommonJS output, so `./sum` and `./sum.js` imports both run without a bundler; strict, like the
 * validator's TypeScript check.
 */
const compilerOptions = (ts: typeof TS): TS.CompilerOptions => ({
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
  typeRoots: TYPE_ROOTS,
  lib: ['lib.es2023.d.ts'],
  noEmitOnError: false,
});

/** A node:test reporter printing one JSON line per event the harness needs. */
const REPORTER = `export default async function* (source) {
  for await (const e of source) {
    if (!['test:enqueue', 'test:dequeue', 'test:pass', 'test:fail'].includes(e.type)) continue;
    const d = e.data, err = d.details?.error;
    const msg = err ? String(err.cause?.message ?? err.message ?? err) : undefined;
    yield JSON.stringify({ t: e.type.slice(5), name: d.name, nesting: d.nesting, file: d.file, suite: d.details?.type === 'suite', msg }) + '\\n';
  }
}
`;

const REPORTER_FILE = '__weavergen_reporter.mjs';
/** written by the harness: an answer's file there is dropped */
const RESERVED = ['package.json', REPORTER_FILE, `${TASK_HOME}/`];

const isTs = (p: string) => /\.(ts|mts|cts)$/.test(p) && !p.endsWith('.d.ts');

/** tsc through the compiler API, then `node --test` on the emitted JavaScript with a JSON reporter. */
export function createTypescriptHarness(): TestHarness {
  return {
    language: 'typescript',
    howTestsRun:
      'The files are compiled together with the test file by the TypeScript compiler (strict, CommonJS output, @types/node available), then the test file is run with `node --test`.',
    reservedPaths: RESERVED,
    run: neverThrows(
      (tests) => tests.map((t) => t.path),
      async (files, tests, options) => {
        const started = performance.now();
        // the compiler takes about a second to load: only a TypeScript task pays for it
        const ts = (await import('typescript')).default;
        const OPTIONS = compilerOptions(ts);
        const all: GeneratedFile[] = [
          ...withoutReserved(files, RESERVED),
          ...tests,
          // the harness's own files last: they replace a test file of the same name
          { path: 'package.json', content: '{"type":"commonjs"}\n' },
          { path: REPORTER_FILE, content: REPORTER },
        ];
        return withTempDir('task-ts', all, async (dir) => {
          const roots = all.filter((f) => isTs(f.path)).map((f) => join(dir, f.path));
          const program = ts.createProgram(
            roots,
            { ...OPTIONS, outDir: undefined },
            ts.createCompilerHost(OPTIONS),
          );
          const pre = ts
            .getPreEmitDiagnostics(program)
            .filter((d) => d.category === ts.DiagnosticCategory.Error);
          const diagnostics = pre.map((d) => {
            const where =
              d.file && d.start !== undefined
                ? (() => {
                    const p = d.file.getLineAndCharacterOfPosition(d.start);
                    return `${relative(dir, d.file.fileName)}:${p.line + 1}:${p.character + 1}: `;
                  })()
                : '';
            return `${where}TS${d.code}: ${firstLine(ts.flattenDiagnosticMessageText(d.messageText, '\n'))}`;
          });
          const syntax = program.getSyntacticDiagnostics().length > 0;
          if (syntax)
            return summarize(false, diagnostics, missing(tests, 'the code does not parse'), false, started);
          program.emit();
          if (options.signal?.aborted)
            return cancelledRun(
              tests.map((t) => t.path),
              started,
            );
          const testJs = tests.filter((t) => isTs(t.path)).map((t) => t.path.replace(/\.(m|c)?ts$/, '.$1js'));
          const r = await runProcess(
            process.execPath,
            [
              '--test',
              `--test-reporter=./${REPORTER_FILE}`,
              `--test-timeout=${options.timeoutMs}`,
              ...testJs,
            ],
            { ...(await taskProcess(dir)), timeoutMs: options.timeoutMs + 10_000, signal: options.signal },
          );
          if (r.cancelled)
            return cancelledRun(
              tests.map((t) => t.path),
              started,
            );
          const outcomes = parseEvents(
            r.stdout,
            dir,
            Object.fromEntries(testJs.map((js, i) => [js, tests.filter((t) => isTs(t.path))[i].path])),
            r.timedOut ? `killed after ${options.timeoutMs + 10_000}ms` : undefined,
          );
          const tested = outcomes.length
            ? outcomes
            : missing(tests, firstLine(r.stderr) || `node --test exited with ${r.code}`);
          return summarize(pre.length === 0, diagnostics, tested, r.timedOut, started);
        });
      },
    ),
  };
}

const missing = (tests: GeneratedFile[], message: string): TestOutcome[] =>
  tests.map((t) => ({ name: t.path, passed: false, message }));

interface Ev {
  t: 'enqueue' | 'dequeue' | 'pass' | 'fail';
  name: string;
  nesting: number;
  file?: string;
  suite?: boolean;
  msg?: string;
}

/**
 * Leaf tests from the reporter's events. A test that was queued but never reported (its file timed
 * out or crashed) fails with the file's message; a file that failed before any test ran is one
 * failing test named after the file.
 */
export function parseEvents(
  stdout: string,
  dir: string,
  /** emitted test file -> its TypeScript source, for names the model recognises */
  sources: Record<string, string>,
  killed?: string,
): TestOutcome[] {
  const events: Ev[] = stdout.split('\n').flatMap((l) => {
    try {
      return l.startsWith('{') ? [JSON.parse(l) as Ev] : [];
    } catch {
      return [];
    }
  });
  const rel = (f?: string) => (f ? (sources[relative(dir, f)] ?? relative(dir, f)) : '?');
  const isFile = (e: Ev) => e.file !== undefined && e.name === e.file;
  const fileMessage = new Map<string, string>();
  const parents = new Set<string>();
  const path: string[] = [];
  const keyOf = (e: Ev) => `${rel(e.file)} > ${[...path.slice(0, e.nesting), e.name].join(' > ')}`;
  const order: string[] = [];
  const result = new Map<string, TestOutcome>();
  for (const e of events) {
    if (isFile(e)) {
      if (e.t === 'fail') fileMessage.set(rel(e.file), e.msg ?? 'the test file failed');
      continue;
    }
    const key = keyOf(e);
    if (e.t === 'dequeue') {
      path.length = e.nesting;
      path[e.nesting] = e.name;
      if (e.nesting > 0) parents.add(`${rel(e.file)} > ${path.slice(0, e.nesting).join(' > ')}`);
      continue;
    }
    if (e.t === 'enqueue') {
      if (e.nesting > 0) parents.add(`${rel(e.file)} > ${path.slice(0, e.nesting).join(' > ')}`);
      if (!result.has(key)) order.push(key);
      result.set(key, result.get(key) ?? { name: key, passed: false });
      continue;
    }
    if (e.suite) parents.add(key);
    if (!result.has(key)) order.push(key);
    result.set(key, {
      name: key,
      passed: e.t === 'pass',
      ...(e.t === 'fail' ? { message: firstLine(e.msg ?? 'failed') } : {}),
    });
  }
  const out: TestOutcome[] = [];
  for (const key of order) {
    if (parents.has(key)) continue;
    const o = result.get(key)!;
    if (!o.passed && o.message === undefined) {
      const file = key.split(' > ')[0];
      o.message = `did not finish: ${killed ?? fileMessage.get(file) ?? 'no result reported'}`;
    }
    out.push(o);
  }
  for (const [file, message] of fileMessage)
    if (!out.some((o) => o.name.startsWith(`${file} > `)))
      out.push({ name: file, passed: false, message: firstLine(message) });
  return out;
}
