import { posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { type ProcessResult, runProcess, withTempDir } from '../../validation/run-process.js';
import { TOOL_PACKAGES } from '../../validation/toolchain.js';
import { goOfflineEnv } from '../../validation/toolchains/go.js';
import { TASK_HOME, taskProcess } from './env.js';
import {
  cancelledRun,
  failAll,
  firstLine,
  neverThrows,
  notValidated,
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
 * `go test -json ./...` in a temp module (go.mod `module task` unless one is given), offline and
 * hermetic: GOTOOLCHAIN=local, GOPROXY=off, GOWORK=off, no vet, no cgo. Go 1.19 has no per-test
 * timeout: `-timeout` ends the whole test binary, so the test running then fails as timed out and the
 * top-level tests that never ran (after a hang or a panic) get a run of their own with `-run`. Only
 * the test files' `TestX` functions run and count (not tests the answer wrote, not examples); with no
 * `TestX` in the test files nothing runs and nothing passes. Code under test gets a clean
 * environment (no API keys).
 */
export function createGoHarness(): TestHarness {
  return {
    language: 'go',
    howTestsRun:
      'The files are written into one Go module (go.mod `module task`, go 1.19, unless you write a go.mod; no third-party modules, no network) and `go test -json ./...` runs the `*_test.go` files (package testing) with Go 1.19; put your code in the package and directory of the test file.',
    reservedPaths: RESERVED,
    normalizeTests: goTestFiles,
    run: neverThrows(
      (tests) => {
        const plan = planOf(goTestFiles(tests), 'task');
        return [...plan].flatMap(([pkg, p]) => p.tests.map((t) => namer(plan)(pkg, t)));
      },
      async (files, tests, options) => {
        const started = performance.now();
        const testFiles = goTestFiles(tests);
        const answer = withoutReserved(files, RESERVED);
        const all: GeneratedFile[] = [...answer, ...testFiles];
        const goMod = all.find((f) => f.path === 'go.mod');
        if (!goMod) all.push({ path: 'go.mod', content: TASK_GO_MOD });
        const module = /^\s*module\s+"?([^\s"]+)/m.exec(goMod?.content ?? TASK_GO_MOD)?.[1] ?? 'task';
        const plan = planOf(testFiles, module);
        const naming = namer(plan);
        const planned = [...plan].flatMap(([pkg, p]) => p.tests.map((t) => naming(pkg, t)));
        const names = planned.length ? planned : tests.map((t) => t.path);
        // the answer's own tests must not stand in for the task's: with none to run, nothing passes
        if (!planned.length) {
          const message =
            'no test found in the test files: write `func TestX(t *testing.T)` in a *_test.go file';
          return summarize(false, [message], failAll(names, `not run: ${message}`), false, started);
        }
        return withTempDir('task-go', all, async (dir) => {
          const proc = await taskProcess(dir, goOfflineEnv(dir), ['GOROOT']);
          const goTest = (args: string[]) =>
            runProcess(
              go(),
              [
                'test',
                '-json',
                '-count=1',
                '-vet=off',
                `-timeout=${Math.max(1, options.timeoutMs)}ms`,
                ...args,
              ],
              { ...proc, timeoutMs: options.timeoutMs + BUILD_MS, signal: options.signal },
            );
          // only the task's tests run (and count): a test the answer wrote itself is not a result
          const only = [...new Set([...plan.values()].flatMap((p) => p.tests))];
          const first = await goTest(['-run', `^(${only.join('|')})$`, './...']);
          if (first.notFound)
            return notValidated(`${go()} not found (Debian package: ${TOOL_PACKAGES.go})`, names, started);
          if (first.cancelled) return cancelledRun(names, started);
          // the temp dir out of panics' stack frames: `sum.go:5`, as the model knows its files
          const strip = (text: string) => text.split(`${dir}/`).join('');
          const parsed = parseGoTest(strip(first.stdout));
          const diagnostics = buildErrors(first, dir, parsed.buildFailed.size > 0);
          const compiled = diagnostics.length === 0;
          const results = new Map<string, GoOutcome>();
          const seen = new Set<string>(); // pkg + top-level test with a result
          const collect = (p: ParsedGoTest, r: ProcessResult) => {
            const outcomes = goOutcomes(p, r.timedOut ? options.timeoutMs + BUILD_MS : undefined);
            for (const o of outcomes) {
              if (!plan.get(o.pkg)?.tests.includes(o.test.split('/')[0])) continue;
              results.set(`${o.pkg}\0${o.test}`, { ...o, name: naming(o.pkg, o.test) });
              seen.add(`${o.pkg}\0${o.test.split('/')[0]}`);
            }
            return outcomes.length;
          };
          let found = collect(parsed, first);
          for (let i = 0; i < MAX_RERUNS && found > 0 && compiled; i++) {
            const todo = [...plan].flatMap(([pkg, p]) => {
              const left = p.tests.filter((t) => !seen.has(`${pkg}\0${t}`));
              return left.length ? [{ pkg, dir: p.dir, left }] : [];
            });
            if (!todo.length) break;
            found = 0;
            for (const { dir: pkgDir, left } of todo) {
              if (options.signal?.aborted) return cancelledRun(names, started);
              const r = await goTest(['-run', `^(${left.join('|')})$`, pkgDir === '.' ? '.' : `./${pkgDir}`]);
              if (r.cancelled) return cancelledRun(names, started);
              found += collect(parseGoTest(strip(r.stdout)), r);
            }
          }
          const outcomes: TestOutcome[] = leaves([...results.values()]).map((o) => ({
            name: o.name,
            passed: o.passed,
            ...(o.message === undefined ? {} : { message: o.message }),
          }));
          for (const [pkg, p] of plan)
            for (const t of p.tests)
              if (!seen.has(`${pkg}\0${t}`))
                outcomes.push({
                  name: naming(pkg, t),
                  passed: false,
                  message: compiled
                    ? 'not run: an earlier test hung or crashed the test binary'
                    : 'not run: the code does not compile',
                });
          const tested = outcomes.length
            ? outcomes
            : failAll(
                names,
                compiled
                  ? firstLine(first.stderr) || `go test ran no test (exit ${first.code})`
                  : 'not run: the code does not compile',
              );
          return summarize(
            compiled,
            diagnostics,
            tested,
            first.timedOut || [...results.values()].some((o) => o.timedOut),
            started,
          );
        });
      },
    ),
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
    for (const m of f.content.matchAll(/^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)/gm))
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
