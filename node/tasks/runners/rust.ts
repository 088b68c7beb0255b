import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { TOOL_PACKAGES } from '../../validation/toolchain.js';
import { rustupVars, TASK_HOME, taskProcess } from './env.js';
import { checkRustTests } from './rust-check.js';
import {
  HARNESS_MOD,
  harnessModule,
  newRustKey,
  RS_NONCE_ENV,
  RS_OUT_ENV,
  readRustRecords,
  rewriteTests,
  testFunctions,
} from './rust-guard.js';
import {
  cancelledRun,
  failAll,
  firstLine,
  MAX_TEST_OUTPUT_BYTES,
  neverThrows,
  notCompiled,
  notValidated,
  outputTooLargeRun,
  seconds,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

/** read at each run, so a test can point it elsewhere */
const rustc = () => process.env.WEAVERGEN_RUSTC || 'rustc';
/** where a crate root is looked for, in order */
const ROOTS = ['src/lib.rs', 'lib.rs', 'src/main.rs', 'main.rs'];
/** the test files become modules `__weavergen_tests_0`, `_1`, ... of the candidate's crate */
const MOD = '__weavergen_tests_';
const BIN = '__weavergen_tests_bin';
const COMPILE_MS = 120_000;
/** written by the harness (the test binary, HOME): an answer's file there is dropped */
const RESERVED = [BIN, `${TASK_HOME}/`];
/** rustup picks its toolchain through these when set */
const PASS_ENV = ['RUSTUP_TOOLCHAIN', 'RUSTUP_AUTO_INSTALL'];

/**
 * rustc alone (no cargo, no crates.io): the candidate's crate root (`src/lib.rs`, else `lib.rs`) gets
 * the harness's module (see rust-guard.ts: the standard macros pinned for the tests, the check that
 * records each test's verdict) and each test file appended as a `#[cfg(test)] #[path = ...] mod`, so
 * the tests reach the crate with `use super::*;` (private items too) or, integration-style, by the
 * crate name they import (see crateAlias); each `#[test]` body of the test files runs inside the
 * harness's check. `rustc --edition 2021 --test` builds the libtest binary outside the answer's
 * folder, and the harness's module is deleted before anything runs. Each listed test then runs in a
 * process of its own (`--exact`), a few at a time, under the timeout, so a hanging, aborting or
 * stack-overflowing test fails alone; it passes only with the harness's signed pass record and exit
 * code 0. Tests of the candidate's own are not counted.
 */
export function createRustHarness(): TestHarness {
  return {
    language: 'rust',
    howTestsRun:
      'Your crate root is `src/lib.rs` (or `lib.rs`); the test file is appended to it as a `#[cfg(test)]` module, so it reaches your items with `use super::*;` (or by the crate name it imports, as Cargo integration tests do). The crate is compiled with `rustc --edition 2021 --test` (standard library only, no Cargo dependencies) and each `#[test]` runs on its own.',
    reservedPaths: RESERVED,
    checkTests: (tests, options) => checkRustTests(tests, options?.signal),
    run: neverThrows(
      (tests) => plannedTests(tests.filter((t) => t.path.endsWith('.rs'))),
      async (files, tests, options) => {
        const started = performance.now();
        const rsTests = tests.filter((t) => t.path.endsWith('.rs'));
        const planned = plannedTests(rsTests);
        const names = planned.length ? planned : tests.map((t) => t.path);
        const answer = withoutReserved(files, RESERVED);
        const root =
          ROOTS.map((r) => answer.find((f) => f.path === r)).find(Boolean) ??
          (answer.filter((f) => f.path.endsWith('.rs')).length === 1
            ? answer.find((f) => f.path.endsWith('.rs'))
            : undefined);
        if (!root) {
          const message = 'no crate root: write src/lib.rs';
          return summarize(false, [message], failAll(names, `not run: ${message}`), false, started);
        }
        const rootDir = posix.dirname(root.path);
        const modules = rsTests.map((t, i) => ({ mod: `${MOD}${i}`, path: t.path }));
        const alias = crateAlias(rsTests, answer);
        // the harness's module (the key is in it) lives outside the answer's folder, and goes once compiled
        const work = await mkdtemp(join(tmpdir(), 'weavergen-task-rs-out-'));
        try {
          const key = newRustKey();
          const harnessPath = join(work, `${HARNESS_MOD}.rs`);
          await writeFile(harnessPath, harnessModule(key));
          const appended =
            `\n#[cfg(test)]\n#[macro_use]\n#[path = ${JSON.stringify(harnessPath)}]\nmod ${HARNESS_MOD};\n` +
            modules
              .map((m) => `\n#[cfg(test)]\n#[path = "${posix.relative(rootDir, m.path)}"]\nmod ${m.mod};\n`)
              .join('') +
            (alias ? `\n#[cfg(test)]\nextern crate self as ${alias};\n` : '');
          const testPaths = new Set(tests.map((t) => t.path));
          const all: GeneratedFile[] = [
            ...answer
              .filter((f) => !testPaths.has(f.path))
              .map((f) => (f === root ? { ...f, content: `${f.content}${appended}` } : f)),
            ...tests.map((t) => (t.path.endsWith('.rs') ? { ...t, content: rewriteTests(t.content) } : t)),
          ];
          // which tests the test files mark #[ignore] (a macro's tests: whether any of its templates does)
          const sourceIgnored = rsTests.map((t) => {
            const fns = testFunctions(t.content);
            return {
              literal: new Map(fns.filter((x) => x.literal).map((x) => [x.name, x.ignored])),
              macro: fns.some((x) => !x.literal && x.ignored),
            };
          });
          return await withTempDir('task-rs', all, async (dir) => {
            const proc = await taskProcess(dir, { ...rustupVars(), RUST_BACKTRACE: '0' }, PASS_ENV);
            const c = await runProcess(
              rustc(),
              [
                '--edition',
                '2021',
                '--test',
                '--crate-name',
                'task',
                '--error-format=short',
                '--cap-lints',
                'warn',
                '-C',
                'debuginfo=0',
                '-o',
                join(work, BIN),
                root.path,
              ],
              { ...proc, timeoutMs: COMPILE_MS, signal: options.signal },
            );
            await rm(harnessPath, { force: true });
            if (c.notFound)
              return notValidated(
                `${rustc()} not found (Debian package: ${TOOL_PACKAGES.rust})`,
                names,
                started,
              );
            if (c.cancelled) return cancelledRun(names, started);
            if (c.code !== 0)
              return notCompiled('rustc', c, rustcErrors(c.stderr), names, COMPILE_MS, started);
            const bin = join(work, BIN);
            const list = await runProcess(bin, ['--list', '--format', 'terse'], {
              ...proc,
              timeoutMs: 30_000,
              signal: options.signal,
            });
            if (list.cancelled) return cancelledRun(names, started);
            // the test files' modules only: a module of the answer's own (even one named like ours) does not count
            const ours = new Set(modules.map((m) => m.mod));
            const listed = list.stdout
              .split('\n')
              .map((l) => /^(\S+): test$/.exec(l.trim())?.[1])
              .filter((n): n is string => !!n && ours.has(n.split('::')[0]));
            const display = (full: string) => {
              const [mod, ...rest] = full.split('::');
              return `${modules.find((m) => m.mod === mod)?.path ?? mod} > ${rest.join('::')}`;
            };
            let timedOut = false;
            let cancelled = false;
            let tooLarge = false;
            const limit = options.maxOutputBytes ?? MAX_TEST_OUTPUT_BYTES;
            const ignored = new Set<string>();
            const runOne = async (name: string): Promise<TestOutcome | undefined> => {
              if (cancelled || tooLarge || options.signal?.aborted) {
                cancelled ||= !tooLarge;
                return undefined;
              }
              const [mod, ...path] = name.split('::');
              const src = sourceIgnored[modules.findIndex((m) => m.mod === mod)];
              const fn = path.at(-1) ?? '';
              const literalIgnored = src?.literal.get(fn);
              if (literalIgnored) {
                ignored.add(display(name));
                return undefined;
              }
              const nonce = randomBytes(16).toString('hex');
              const out = join(work, `results-${nonce}`);
              const r = await runProcess(bin, ['--exact', name, '--test-threads=1'], {
                ...proc,
                env: { ...proc.env, [RS_OUT_ENV]: out, [RS_NONCE_ENV]: nonce },
                timeoutMs: options.timeoutMs,
                signal: options.signal,
                maxOutputBytes: limit,
              });
              if (r.cancelled) {
                cancelled = true;
                return undefined;
              }
              if (r.outputTooLarge) {
                tooLarge = true;
                return undefined;
              }
              const text = await readFile(out, 'utf8').catch(() => '');
              await rm(out, { force: true });
              const { verdicts, tampered } = readRustRecords(text, key, nonce);
              if (tampered)
                return {
                  name: display(name),
                  passed: false,
                  message: `the test results were tampered with (${tampered})`,
                };
              const verdict = verdicts.get(name);
              const result = parseLibtest(r.stdout).get(name);
              if (verdict === 'pass') {
                if (r.code === 0) return { name: display(name), passed: true };
                return {
                  name: display(name),
                  passed: false,
                  message: `the test binary exited with ${r.code ?? 'a signal'} after the test passed`,
                };
              }
              if (verdict === 'fail')
                return { name: display(name), passed: false, message: result?.message ?? 'failed' };
              // no verdict: the test never got to the end of its check
              if (literalIgnored === undefined && src?.macro && result?.status === 'ignored') {
                ignored.add(display(name));
                return undefined;
              }
              if (r.timedOut) {
                timedOut = true;
                return {
                  name: display(name),
                  passed: false,
                  message: `timed out after ${seconds(options.timeoutMs)}`,
                };
              }
              if (r.code === 0)
                return {
                  name: display(name),
                  passed: false,
                  message: `the test binary exited (code 0) before the harness recorded the test's result (no passing summary counts)`,
                };
              const said = firstLine(
                r.stderr
                  .replace(/^note: run with `RUST_BACKTRACE.*$/gm, '')
                  .replace(/^thread '[^']*'(?: \(\d+\))? /gm, ''),
              );
              return {
                name: display(name),
                passed: false,
                message: `crashed (${r.code === null ? 'killed by a signal' : `exit ${r.code}`})${said ? `: ${said}` : ''}`,
              };
            };
            const outcomes = (await pool(listed, Math.min(4, availableParallelism()), runOne)).filter(
              (o): o is TestOutcome => !!o,
            );
            if (cancelled) return cancelledRun(names, started);
            if (tooLarge) return outputTooLargeRun(names, limit, started);
            if (!listed.length)
              return summarize(
                true,
                [],
                failAll(names, firstLine(list.stderr) || 'the test binary lists no test of the test file'),
                timedOut,
                started,
              );
            // a #[test] of the test file that the binary did not list or run is not a pass
            const ran = (p: string) => {
              const [file, fn] = p.split(' > ');
              const is = (n: string) => n === p || (n.startsWith(`${file} > `) && n.endsWith(`::${fn}`));
              return outcomes.some((o) => is(o.name)) || [...ignored].some(is);
            };
            for (const p of planned)
              if (!ran(p))
                outcomes.push({
                  name: p,
                  passed: false,
                  message: 'not run: the test binary did not list it',
                });
            return summarize(true, [], outcomes, timedOut, started);
          });
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      },
    ),
  };
}

/** `tests.rs > adds` for each `#[test] fn` of the test files (comments and strings left out). */
function plannedTests(rsTests: GeneratedFile[]): string[] {
  return rsTests.flatMap((t) =>
    testFunctions(t.content)
      .filter((x) => x.literal)
      .map((x) => `${t.path} > ${x.name}`),
  );
}

const NOT_CRATES = new Set(['std', 'core', 'alloc', 'crate', 'self', 'super', 'test', 'proc_macro']);

/**
 * Integration-style tests name the crate (`use sum::add;`, as in Cargo's tests/): when the test files
 * `use` exactly one lowercase name that is neither a standard crate nor a module of the answer or the
 * tests, the crate gets that name too (`extern crate self as sum;`), so both styles compile.
 */
export function crateAlias(tests: GeneratedFile[], files: GeneratedFile[]): string | undefined {
  const mods = new Set(
    [...tests, ...files].flatMap((f) => [...f.content.matchAll(/\bmod\s+(\w+)/g)].map((m) => m[1])),
  );
  const used = new Set(
    tests.flatMap((t) =>
      [...t.content.matchAll(/^\s*(?:pub\s+)?use\s+(?:::)?([a-z_]\w*)::/gm)]
        .map((m) => m[1])
        .filter((n) => !NOT_CRATES.has(n) && !mods.has(n)),
    ),
  );
  return used.size === 1 ? [...used][0] : undefined;
}

/** Runs `fn` over `items` with at most `n` at once, results in order. */
async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

export interface LibtestResult {
  status: 'ok' | 'failed' | 'ignored';
  /** a failure's panic message, one line: `panicked at tests.rs:4:13: assertion ... left: 5 right: 6` */
  message?: string;
}

/**
 * Plain libtest output: `test name ... ok|FAILED|ignored` lines, and each failure's captured output in
 * its `---- name stdout ----` section. Handles the panic formats before and after Rust 1.73.
 */
export function parseLibtest(stdout: string): Map<string, LibtestResult> {
  const results = new Map<string, LibtestResult>();
  const lines = stdout.split('\n');
  for (const l of lines) {
    const m = /^test (\S+)(?: - should panic)? \.\.\. (ok|FAILED|ignored)\b/.exec(l.trimEnd());
    if (m) results.set(m[1], { status: m[2] === 'FAILED' ? 'failed' : (m[2] as 'ok' | 'ignored') });
  }
  for (let i = 0; i < lines.length; i++) {
    const h = /^---- (\S+) std(?:out|err) ----$/.exec(lines[i].trim());
    if (!h) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (/^---- \S+ std(out|err) ----$/.test(l.trim()) || /^(failures|successes):$/.test(l.trim())) break;
      body.push(l);
    }
    const r = results.get(h[1]);
    if (r?.status === 'failed' && r.message === undefined) r.message = panicMessage(body);
  }
  for (const r of results.values())
    if (r.status === 'failed' && r.message === undefined) r.message = 'failed';
  return results;
}

function panicMessage(body: string[]): string {
  const kept: string[] = [];
  for (const raw of body) {
    const l = raw.trim();
    if (/^stack backtrace:/.test(l)) break;
    if (!l || /^note: run with `RUST_BACKTRACE/.test(l)) continue;
    kept.push(
      l
        .replace(/^thread '[^']*'(?: \(\d+\))? panicked at /, 'panicked at ')
        // `src/../tests.rs:4:13` (the #[path] module seen from src/) -> `tests.rs:4:13`
        .replace(/([\w./-]+\.rs)(?=:\d+)/g, (p) => posix.normalize(p)),
    );
  }
  return firstLine(kept.join('\n')) || 'failed';
}

/** rustc --error-format=short: `src/lib.rs:5:54: error[E0308]: mismatched types`; warnings dropped. */
export function rustcErrors(stderr: string): string[] {
  const out: string[] = [];
  for (const raw of stderr.split('\n')) {
    const l = raw.trim();
    const m = /^(.+?):(\d+):(\d+): (error(?:\[E\d+\])?: .*)$/.exec(l);
    if (m) out.push(`${posix.normalize(m[1])}:${m[2]}:${m[3]}: ${m[4]}`);
    else if (/^error(\[E\d+\])?: /.test(l) && !/^error: aborting due to/.test(l)) out.push(l);
  }
  return out;
}
