import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { type ProcessResult, runProcess, withTempDir } from '../../validation/run-process.js';
import { TOOL_PACKAGES } from '../../validation/toolchain.js';
import { goOfflineEnv } from '../../validation/toolchains/go.js';
import { TASK_HOME, taskProcess } from './env.js';
import { checkGoTests } from './go-check.js';
import {
  blankGo,
  GO_NONCE_ENV,
  GO_OUT_ENV,
  GO_RUN_ENV,
  GO_TIMEOUT_ENV,
  type GoRunResults,
  goRunResults,
  harnessSource,
  newKey,
  newNonce,
  readGoRecords,
  USER_TEST_MAIN,
} from './go-results.js';
import {
  cancelledRun,
  failAll,
  firstLine,
  MAX_TEST_OUTPUT_BYTES,
  neverThrows,
  notValidated,
  outputTooLargeRun,
  seconds,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

/** read at each run, so a test can point it elsewhere */
const go = () => process.env.WEAVERGEN_GO || 'go';
/** The module written when neither the answer nor the tests bring a go.mod. */
export const TASK_GO_MOD = 'module task\n\ngo 1.19\n';
/** Shared with the Go validator: compiled standard packages are reused, so a repeat run takes a second. */
/** the compiler gets this long on top of the test timeout (a cold cache compiles `testing` first) */
const BUILD_MS = 120_000;
/** after a hang or a crash, the tests that never ran get at most this many runs of their own */
const MAX_RERUNS = 3;
/** written by the harness (GOPATH, HOME): an answer's file there is dropped */
const RESERVED = ['.gopath/', `${TASK_HOME}/`];

/**
 * Each package's tests are compiled with `go test -c` in a temp module (go.mod `module task` unless
 * one is given), offline and hermetic: GOTOOLCHAIN=local, GOPROXY=off, GOWORK=off, no vet, no cgo.
 * The harness adds a test file of its own (a TestMain, see go-results.ts) that wraps every test and
 * writes the results to a file outside the answer's folder, signed with a key that is compiled in
 * and whose source is deleted before the binary runs: what the code under test prints is never read
 * as a result, and an early exit leaves tests without a result, which fail. A user's TestMain is
 * renamed and called by the harness's. Go 1.19 has no per-test timeout: `-test.timeout` ends the
 * whole binary, so the test running then fails as timed out and the top-level tests that never ran
 * (after a hang or a panic) get a run of their own. Only the test files' `TestX` functions run and
 * count, each subtest on its own (not tests the answer wrote: its `_test.go` files are dropped; not
 * examples); with no `TestX` in the test files nothing runs and nothing passes. Code under test gets
 * a clean environment (no API keys).
 */
export function createGoHarness(): TestHarness {
  return {
    language: 'go',
    howTestsRun:
      'The files are written into one Go module (go.mod `module task`, go 1.19, unless you write a go.mod; no third-party modules, no network) and the `*_test.go` files run as one test binary per package (`go test -c`, package testing) with Go 1.19; put your code in the package and directory of the test file.',
    reservedPaths: RESERVED,
    normalizeTests: goTestFiles,
    checkTests: (tests, options) => checkGoTests(goTestFiles(tests), options?.signal),
    run: neverThrows(
      (tests) => {
        const plan = planOf(goTestFiles(tests), 'task');
        return [...plan].flatMap(([pkg, p]) => p.tests.map((t) => namer(plan)(pkg, t)));
      },
      async (files, tests, options) => {
        const started = performance.now();
        const testFiles = goTestFiles(tests);
        const testPaths = new Set(testFiles.map((t) => t.path));
        // the answer's own tests neither run nor count: its _test.go files are not written
        const answer = withoutReserved(files, RESERVED).filter(
          (f) => !f.path.endsWith('_test.go') && !testPaths.has(f.path),
        );
        const all: GeneratedFile[] = [...answer, ...testFiles.map(renameTestMain)];
        const goMod = all.find((f) => f.path === 'go.mod');
        if (!goMod) all.push({ path: 'go.mod', content: TASK_GO_MOD });
        const module = /^\s*module\s+"?([^\s"]+)/m.exec(goMod?.content ?? TASK_GO_MOD)?.[1] ?? 'task';
        const plan = planOf(testFiles, module);
        const naming = namer(plan);
        const planned = [...plan].flatMap(([pkg, p]) => p.tests.map((t) => naming(pkg, t)));
        const names = planned.length ? planned : tests.map((t) => t.path);
        if (!planned.length) {
          const message =
            'no test found in the test files: write `func TestX(t *testing.T)` in a *_test.go file';
          return summarize(false, [message], failAll(names, `not run: ${message}`), false, started);
        }
        const work = await mkdtemp(join(tmpdir(), 'weavergen-task-go-out-'));
        try {
          return await withTempDir('task-go', all, async (dir) => {
            const proc = await taskProcess(dir, goOfflineEnv(dir), ['GOROOT']);
            const strip = (text: string) => text.split(`${dir}/`).join('');
            // 1. the harness's file in each package, each package's test binary, the file deleted
            const pkgs = [...plan].filter(([, p]) => p.tests.length);
            const keys = new Map<string, string>();
            const bins = new Map<string, string>();
            const diagnostics: string[] = [];
            for (const [i, [pkg, p]] of pkgs.entries()) {
              const key = newKey();
              const h = harnessFile(p, answer, testFiles, key);
              const hPath = join(dir, p.dir, h.name);
              await writeFile(hPath, h.content);
              const bin = join(work, `${i}.test`);
              const c = await runProcess(
                go(),
                ['test', '-c', '-vet=off', '-o', bin, p.dir === '.' ? '.' : `./${p.dir}`],
                { ...proc, timeoutMs: BUILD_MS, signal: options.signal },
              );
              await rm(hPath, { force: true });
              if (c.notFound)
                return notValidated(
                  `${go()} not found (Debian package: ${TOOL_PACKAGES.go})`,
                  names,
                  started,
                );
              if (c.cancelled) return cancelledRun(names, started);
              if (c.code !== 0) {
                const said = buildErrors(c, dir, true);
                diagnostics.push(
                  ...(said.length
                    ? said
                    : [
                        c.timedOut ? `go test -c was killed after ${seconds(BUILD_MS)}` : 'go test -c failed',
                      ]),
                );
                break;
              }
              keys.set(pkg, key);
              bins.set(pkg, bin);
            }
            if (diagnostics.length)
              return summarize(
                false,
                diagnostics,
                failAll(names, 'not run: the code does not compile'),
                false,
                started,
              );
            // 2. each package's binary; after a hang or a crash the tests that never started run again
            const outcomes: TestOutcome[] = [];
            /** what the result cannot promise (subtests the harness could not see) */
            const notes = new Set<string>();
            let timedOut = false;
            const limit = options.maxOutputBytes ?? MAX_TEST_OUTPUT_BYTES;
            for (const [n, [pkg, p]] of pkgs.entries()) {
              const seen = new Set<string>();
              const finished: GoOutcome[] = [];
              let why = 'not run: an earlier test hung or crashed the test binary';
              for (let round = 0; round <= MAX_RERUNS; round++) {
                const left = p.tests.filter((t) => !seen.has(t));
                if (!left.length) break;
                if (options.signal?.aborted) return cancelledRun(names, started);
                const nonce = newNonce();
                const out = join(work, `${n}-${round}-${nonce}.results`);
                const r = await runProcess(
                  bins.get(pkg) as string,
                  [
                    '-test.v',
                    '-test.count=1',
                    '-test.paniconexit0',
                    `-test.timeout=${timeout(options.timeoutMs)}`,
                  ],
                  {
                    ...proc,
                    cwd: join(dir, p.dir),
                    env: {
                      ...proc.env,
                      [GO_OUT_ENV]: out,
                      [GO_NONCE_ENV]: nonce,
                      [GO_RUN_ENV]: `^(${left.join('|')})$`,
                      [GO_TIMEOUT_ENV]: timeout(options.timeoutMs),
                    },
                    timeoutMs: options.timeoutMs + KILL_GRACE_MS,
                    signal: options.signal,
                    maxOutputBytes: limit,
                  },
                );
                if (r.cancelled) return cancelledRun(names, started);
                const text = await readResults(out, limit);
                // what it printed and what the harness recorded, together over the limit
                if (r.outputTooLarge || text === null) return outputTooLargeRun(names, limit, started);
                const verified =
                  text === undefined ? { records: [] } : readGoRecords(text, keys.get(pkg) as string, nonce);
                if (verified.problem) {
                  why = `not run: the test results were tampered with (${verified.problem})`;
                  break;
                }
                const results = goRunResults(verified.records);
                if (results.fatal) {
                  why = `not validated: ${results.fatal}`;
                  break;
                }
                const judged = judgeGoRun(results, r, left, strip, options.timeoutMs);
                if (judged.note) notes.add(judged.note);
                timedOut ||= judged.timedOut;
                for (const t of judged.started) seen.add(t);
                finished.push(...judged.outcomes.map((o) => ({ ...o, pkg })));
                if (!judged.started.length) {
                  why = `not run: the test binary exited (${r.timedOut ? 'killed at the timeout' : `code ${r.code ?? 'a signal'}`}) before any test started${firstLine(strip(r.stderr)) ? `: ${firstLine(strip(r.stderr))}` : ''}`;
                  break;
                }
              }
              outcomes.push(
                ...leaves(finished).map((o) => ({
                  name: naming(pkg, o.test),
                  passed: o.passed,
                  ...(o.message === undefined ? {} : { message: o.message }),
                })),
              );
              for (const t of p.tests)
                if (!seen.has(t)) outcomes.push({ name: naming(pkg, t), passed: false, message: why });
            }
            return summarize(true, [...notes], outcomes, timedOut, started);
          });
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      },
    ),
  };
}

/** `1500ms` for -test.timeout (at least 1ms) */
const timeout = (ms: number) => `${Math.max(1, Math.round(ms))}ms`;

/** the binary gets this long past its own -test.timeout before it is killed */
const KILL_GRACE_MS = 10_000;
/**
 * The results file's text; undefined when there is none, null when it is larger than `limit` (the
 * harness keeps at most 8 MiB of the tests' logs; runs, reports and results are all kept).
 */
async function readResults(path: string, limit: number): Promise<string | undefined | null> {
  const size = await stat(path).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return undefined;
  if (size > limit) return null;
  return readFile(path, 'utf8');
}

/**
 * One run's outcomes, top-level tests and subtests (skipped ones left out), and which of the wanted
 * tests started. A test that started and has no end record did not finish (a timeout, a crash, an
 * exit). The exit status must agree: a binary that fails after every test passed fails them all.
 * When the verbose writer could not be hooked, subtests are not seen: `note` says so (a top-level
 * test still fails when one of its subtests does).
 */
export function judgeGoRun(
  results: GoRunResults,
  r: ProcessResult,
  wanted: string[],
  strip: (s: string) => string,
  timeoutMs: number,
): { outcomes: Omit<GoOutcome, 'pkg'>[]; started: string[]; timedOut: boolean; note?: string } {
  const stderr = strip(r.stderr);
  const limit = /panic: test timed out after (\S+)/.exec(stderr)?.[1];
  const crash = failureMessage([stderr]);
  const unfinished = limit
    ? `timed out after ${limit}`
    : r.timedOut
      ? `did not finish: the test binary was killed after ${seconds(timeoutMs + KILL_GRACE_MS)}`
      : `did not finish: the test binary exited (${r.code === null ? 'killed by a signal' : `code ${r.code}`}) while it ran${crash ? `: ${crash}` : ''}`;
  const outcomes: Omit<GoOutcome, 'pkg'>[] = [];
  const started: string[] = [];
  let timedOut = false;
  const message = (output: string[], fallback: string) => failureMessage(output.map(strip)) || fallback;
  const passedAll = [...results.tops.values()].every((t) => !t.started || (t.ended && !t.failed));
  // every test that ran passed, yet the binary failed (a panic after the tests, a TestMain's exit)
  const afterwards =
    r.code !== 0 && !r.timedOut && passedAll
      ? `the test binary exited (${r.code === null ? 'killed by a signal' : `code ${r.code}`}) after its tests${crash ? `: ${crash}` : ''}`
      : undefined;
  for (const t of results.tops.values()) {
    if (!wanted.includes(t.name) || !t.started) continue;
    started.push(t.name);
    if (t.ended && t.skipped && !t.failed) continue;
    const done = t.ended && !afterwards;
    if (!t.ended && limit) timedOut = true;
    outcomes.push({
      test: t.name,
      name: t.name,
      passed: done && !t.failed,
      ...(done && !t.failed
        ? {}
        : {
            message: !t.ended ? unfinished : (afterwards ?? message(t.output, crash || 'failed')),
          }),
      ...(!t.ended && limit ? { timedOut: true } : {}),
    });
    for (const s of results.subs.values()) {
      if (s.top !== t.name) continue;
      const failed = s.reports.includes('FAIL');
      if (!failed && s.reports.length && s.reports.every((x) => x === 'SKIP')) continue;
      const passed = !failed && s.reports.includes('PASS') && done;
      outcomes.push({
        test: s.name,
        name: s.name,
        passed,
        ...(passed
          ? {}
          : {
              message: !s.reports.length
                ? unfinished
                : afterwards && !failed
                  ? afterwards
                  : message(s.output, crash || 'failed'),
            }),
      });
    }
  }
  const note = results.hookError
    ? `subtests not counted one by one: ${results.hookError}; only top-level tests judged`
    : undefined;
  return { outcomes, started, timedOut, ...(note ? { note } : {}) };
}

/** The harness's test file for a package, in the package of the user's TestMain if there is one. */
function harnessFile(
  p: GoPlan,
  answer: GeneratedFile[],
  tests: GeneratedFile[],
  key: string,
): { name: string; content: string } {
  const inDir = (f: GeneratedFile) => f.path.endsWith('.go') && posix.dirname(f.path) === p.dir;
  const pkgOf = (f: GeneratedFile) => /^\s*package\s+(\w+)/m.exec(blankGo(f.content))?.[1];
  const testPkgs = tests.filter(inDir).map((f) => ({ f, pkg: pkgOf(f) }));
  const internal =
    testPkgs.find((t) => t.pkg && !t.pkg.endsWith('_test'))?.pkg ??
    answer
      .filter(inDir)
      .map(pkgOf)
      .find((x) => x && !x.endsWith('_test'));
  const external = testPkgs.find((t) => t.pkg?.endsWith('_test'))?.pkg;
  const main = testPkgs.find((t) => hasTestMain(t.f.content));
  let pkg = internal ?? external ?? 'main';
  let userMain: { call: string; importPath?: string } | undefined;
  if (main?.pkg) {
    pkg = main.pkg;
    userMain = { call: USER_TEST_MAIN };
  }
  const taken = new Set([...answer, ...tests].map((f) => f.path));
  let name = 'zz_weavergen_harness_test.go';
  for (let i = 2; taken.has(p.dir === '.' ? name : `${p.dir}/${name}`); i++)
    name = `zz_weavergen_harness${i}_test.go`;
  return { name, content: harnessSource(pkg, key, userMain) };
}

const TEST_MAIN = /^func\s+TestMain\s*\(/m;
const hasTestMain = (src: string) => TEST_MAIN.test(blankGo(src));

/** The user's `func TestMain(` becomes `func WeavergenUserTestMain(` (same line), called by the harness's. */
function renameTestMain(f: GeneratedFile): GeneratedFile {
  if (!f.path.endsWith('_test.go')) return f;
  const m = TEST_MAIN.exec(blankGo(f.content));
  if (!m) return f;
  const at = m.index + m[0].indexOf('TestMain');
  return {
    ...f,
    content: `${f.content.slice(0, at)}${USER_TEST_MAIN}${f.content.slice(at + 'TestMain'.length)}`,
  };
}

/** A test file must end in `_test.go` for go test to see it: `sum.go` is written as `sum_test.go`. */
export function goTestFiles(tests: GeneratedFile[]): GeneratedFile[] {
  return tests.map((t) =>
    t.path.endsWith('.go') && !t.path.endsWith('_test.go')
      ? { ...t, path: t.path.replace(/\.go$/, '_test.go') }
      : t,
  );
}

interface GoPlan {
  dir: string;
  tests: string[];
}

/** Top-level tests of each package, from the test files' `func TestX(t *testing.T)`. */
function planOf(tests: GeneratedFile[], module: string): Map<string, GoPlan> {
  const plan = new Map<string, GoPlan>();
  for (const f of tests) {
    if (!f.path.endsWith('_test.go')) continue;
    const dir = posix.dirname(f.path);
    const pkg = dir === '.' ? module : `${module}/${dir}`;
    const p = plan.get(pkg) ?? { dir, tests: [] };
    for (const m of blankGo(f.content).matchAll(/^func\s+(Test\w*)\s*\(\s*(?:\w+\s+)?\*\s*testing\.T\s*\)/gm))
      if ((m[1] === 'Test' || !/[a-z]/.test(m[1][4])) && !p.tests.includes(m[1])) p.tests.push(m[1]);
    plan.set(pkg, p);
  }
  return plan;
}

/** Bare test names with one package, `pkg.TestX` with several. */
const namer = (plan: Map<string, GoPlan>) => (pkg: string, test: string) =>
  plan.size > 1 ? `${pkg}.${test}` : test;

/** One test2json event. */
interface GoEvent {
  Action: string;
  Package?: string;
  Test?: string;
  Output?: string;
}

export interface GoTestState {
  pkg: string;
  test: string;
  /** the last action seen: `run`/`pause`/`cont` mean it never finished */
  state: string;
  output: string[];
}

export interface ParsedGoTest {
  tests: GoTestState[];
  /** packages whose output says the test binary hit its -timeout */
  timedOut: Map<string, string>;
  /** packages that did not build (`FAIL pkg [build failed]`, `[setup failed]`) */
  buildFailed: Set<string>;
}

/** The `go test -json` stream (test2json events; go 1.19 prints build failures as plain lines). */
export function parseGoTest(stdout: string): ParsedGoTest {
  const byKey = new Map<string, GoTestState>();
  const timedOut = new Map<string, string>();
  const buildFailed = new Set<string>();
  const failedBuild = (line: string) => {
    const m = /^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]/.exec(line.trim());
    if (m) buildFailed.add(m[1]);
  };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) {
      failedBuild(line);
      continue;
    }
    let e: GoEvent;
    try {
      e = JSON.parse(line) as GoEvent;
    } catch {
      continue;
    }
    const pkg = e.Package ?? '';
    if (e.Output !== undefined) {
      failedBuild(e.Output);
      const t = /panic: test timed out after (\S+)/.exec(e.Output);
      if (t) timedOut.set(pkg, t[1]);
    }
    if (e.Action === 'build-fail' || (e.Action === 'fail' && !e.Test && 'FailedBuild' in e))
      buildFailed.add(pkg);
    if (!e.Test) continue;
    const key = `${pkg}\0${e.Test}`;
    let s = byKey.get(key);
    if (!s) {
      s = { pkg, test: e.Test, state: 'run', output: [] };
      byKey.set(key, s);
    }
    if (e.Action === 'output') s.output.push(e.Output ?? '');
    else if (['run', 'pass', 'fail', 'skip', 'pause', 'cont'].includes(e.Action)) s.state = e.Action;
  }
  return { tests: [...byKey.values()], timedOut, buildFailed };
}

type GoOutcome = TestOutcome & { pkg: string; test: string; timedOut?: boolean };

/**
 * Outcomes of one run: passed and failed tests, and the tests that started but never finished (the
 * binary hit its timeout, or another test's panic ended it). Skipped tests are left out.
 */
export function goOutcomes(parsed: ParsedGoTest, killedAfterMs?: number): GoOutcome[] {
  const out: GoOutcome[] = [];
  for (const s of parsed.tests) {
    if (s.state === 'skip') continue;
    if (s.state === 'pass') {
      out.push({ pkg: s.pkg, test: s.test, name: s.test, passed: true });
      continue;
    }
    const limit = parsed.timedOut.get(s.pkg);
    const unfinished = s.state !== 'fail';
    const message =
      unfinished && limit
        ? `timed out after ${limit}`
        : unfinished && killedAfterMs !== undefined
          ? `did not finish: go test was killed after ${seconds(killedAfterMs)}`
          : failureMessage(s.output) ||
            (unfinished ? 'did not finish: the test binary exited while it ran' : 'failed');
    out.push({
      pkg: s.pkg,
      test: s.test,
      name: s.test,
      passed: false,
      message,
      ...(unfinished && limit ? { timedOut: true } : {}),
    });
  }
  return out;
}

/** What a failing test printed: `sum_test.go:12: got 5 want 6`, a panic and where it happened. */
export function failureMessage(output: string[]): string {
  const lines = output.join('').split('\n');
  const said: string[] = [];
  let panic: string | undefined;
  let where: string | undefined;
  for (const raw of lines) {
    const l = raw.trim();
    if (/^(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP):)/.test(l)) continue;
    if (/^(FAIL|PASS|ok)\b/.test(l)) continue;
    const p = /^panic: (.*?)( \[recovered\])?$/.exec(l);
    if (p && !panic) {
      const t = /^test timed out after (\S+)/.exec(p[1]);
      if (t) return `timed out after ${t[1]}`;
      panic = `panic: ${p[1]}`;
      continue;
    }
    if (panic) {
      // the first frame in the task's own files (relative; the runtime's and testing's are absolute)
      const f = /^([^/\s]\S*\.go:\d+)(?: \+0x[0-9a-f]+)?$/.exec(l);
      if (f && !where && !f[1].endsWith('_testmain.go')) where = f[1];
      continue;
    }
    if (l) said.push(l);
  }
  if (panic) return firstLine([panic + (where ? ` (at ${where})` : ''), ...said].join('\n'));
  return firstLine(said.join('\n'));
}

/**
 * Only the leaves: a parent test is dropped when its subtests report, unless it failed while every
 * subtest passed (a failure of its own, which would otherwise be lost).
 */
function leaves(outcomes: GoOutcome[]): GoOutcome[] {
  return outcomes.filter((o) => {
    const kids = outcomes.filter((k) => k.pkg === o.pkg && k.test.startsWith(`${o.test}/`));
    if (!kids.length) return true;
    return !o.passed && kids.every((k) => k.passed);
  });
}

/** `./sum.go:3:9: undefined: x` -> `sum.go:3:9: undefined: x`; positionless errors when none has a place. */
export function buildErrors(r: ProcessResult, dir: string, buildFailed: boolean): string[] {
  // `found packages main (sum.go) and sum (sum_test.go) in /tmp/...`: the temp dir means nothing to a model
  const text = r.stderr.split(`${dir}/`).join('').split(dir).join('.');
  const located: string[] = [];
  const other: string[] = [];
  for (const raw of text.split('\n')) {
    const l = raw.trimEnd();
    if (!l.trim() || l.startsWith('#') || /^FAIL\b/.test(l) || /^ok\s/.test(l)) continue;
    const m = /^(?:\.\/)?([^\s:][^:]*\.(?:go|mod)):(\d+)(?::(\d+))?: (.*)$/.exec(l.trim());
    if (m) located.push(`${m[1]}:${m[2]}:${m[3] ? `${m[3]}:` : ''} ${m[4]}`);
    else other.push(l.trim());
  }
  if (located.length) return located;
  // go test exited without a test result or a build line: go itself failed (bad go.mod, no packages)
  const noResult = !r.stdout.includes('"Action"') && r.code !== 0 && !r.timedOut;
  if (buildFailed || noResult)
    return [firstLine(other.filter((l) => !l.startsWith('go: warning')).join('\n')) || 'go test failed'];
  return [];
}
