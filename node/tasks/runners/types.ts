import { posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';

export interface TestOutcome {
  /**
   * `sum.test.ts > adds` for node:test, the unittest id for Python, `TestSum/sub` for Go,
   * `tests.rs > adds` for Rust, `SumTest.adds()` for JUnit
   */
  name: string;
  passed: boolean;
  /** the failure's message (assertion, exception, timeout), one line */
  message?: string;
}

export interface TestRun {
  compiled: boolean;
  /** compiler errors, `file:line:col: message` */
  diagnostics: string[];
  tests: TestOutcome[];
  passed: number;
  total: number;
  /** the run was killed at its timeout (some tests may never have reported) */
  timedOut: boolean;
  /**
   * The run was stopped because it wrote more than the output limit (RunOptions.maxOutputBytes): a
   * failure of its own, not "the tests failed"; every test fails with `not judged: output too large`.
   */
  outputTooLarge?: boolean;
  durationMs: number;
}

export interface RunOptions {
  /** how long the test run may take before it is killed (a hanging test then fails) */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * How much output (the test process's stdout and stderr, the harness's result channel) a run may
   * write before it is stopped as `outputTooLarge` (default MAX_TEST_OUTPUT_BYTES).
   */
  maxOutputBytes?: number;
}

/** What a test run may write before it is stopped as "output too large" (by default). */
export const MAX_TEST_OUTPUT_BYTES = 32 * 1024 * 1024;

/** `33554432` -> `32 MiB` */
export const mebibytes = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;

/** The message every test of a run stopped for its output carries. */
export const outputTooLargeMessage = (limit: number) =>
  `not judged: output too large (the test run wrote more than ${mebibytes(limit)} and was stopped)`;

/**
 * Every test fails as not judged: the run wrote more than `limit` and was stopped (what it reported
 * until then is not trusted either: a cut report cannot be counted).
 */
export function outputTooLargeRun(names: string[], limit: number, started: number, compiled = true): TestRun {
  const message = outputTooLargeMessage(limit);
  return { ...summarize(compiled, [message], failAll(names, message), false, started), outputTooLarge: true };
}

/** Compiles a candidate with the task's tests and runs them, in a temp dir of its own. Never throws. */
export interface TestHarness {
  readonly language: string;
  /** what the prompt tells the model about how the tests are run */
  readonly howTestsRun: string;
  /**
   * Paths the harness writes into the temp dir itself: exact paths, or folders when they end in `/`.
   * A test file may not take one (see isReservedPath); an answer's file there is dropped, the
   * harness's own wins.
   */
  readonly reservedPaths: readonly string[];
  /**
   * The test files as the harness writes them (Go: `sum.go` becomes `sum_test.go`), so the runner can
   * drop an answer's file that would replace a test file before the run, not after.
   */
  normalizeTests?(tests: GeneratedFile[]): GeneratedFile[];
  /**
   * Compiles (or at least parses) the task's test files alone, before any model is asked: their own
   * errors, as `file:line:col: message` (empty when they are fine). Errors that only the code to be
   * written can resolve (its module not found, its names unknown) are not reported. The loop and the
   * node refuse a task whose tests have errors (TASK_BAD_TESTS, no model round spent). Without the
   * toolchain, or when a harness has no such check, nothing is refused: the run reports it.
   */
  checkTests?(tests: GeneratedFile[], options?: { signal?: AbortSignal }): Promise<string[]>;
  run(files: GeneratedFile[], tests: GeneratedFile[], options: RunOptions): Promise<TestRun>;
}

/** `./a//b.py` -> `a/b.py` */
const normal = (path: string) => posix.normalize(path).replace(/^(\.\/)+/, '');

/** Is the path one of the reserved ones, inside a reserved folder, or a folder holding one? */
export function isReservedPath(path: string, reserved: readonly string[]): boolean {
  const p = normal(path);
  return reserved.some((r) => {
    const folder = r.endsWith('/');
    const base = folder ? r.slice(0, -1) : r;
    // `package.json/x.ts` would turn the harness's file into a folder
    return p === base || p.startsWith(`${base}/`) || base.startsWith(`${p}/`);
  });
}

/** The answer's files without those on reserved paths (the harness writes its own there). */
export const withoutReserved = <F extends { path: string }>(files: F[], reserved: readonly string[]): F[] =>
  files.filter((f) => !isReservedPath(f.path, reserved));

/** Every test fails: the run was cancelled before or while it ran. */
export const cancelledRun = (names: string[], started: number): TestRun =>
  summarize(false, ['not run: cancelled'], failAll(names, 'not run: cancelled'), false, started);

/**
 * A harness's `run` that never throws: an error (a file and a folder of the same name, an unsafe
 * path, a failing temp dir) fails every expected test with its message. `names` gives the expected
 * tests (the test files' paths when it throws too); an aborted signal fails them as cancelled.
 */
export function neverThrows(
  names: (tests: GeneratedFile[]) => string[],
  run: TestHarness['run'],
): TestHarness['run'] {
  return async (files, tests, options) => {
    const started = performance.now();
    const expected = () => {
      try {
        const n = names(tests);
        return n.length ? n : tests.map((t) => t.path);
      } catch {
        return tests.map((t) => t.path);
      }
    };
    if (options.signal?.aborted) return cancelledRun(expected(), started);
    try {
      return await run(files, tests, options);
    } catch (e) {
      const message = `not run: ${firstLine(String((e as Error)?.message ?? e)) || 'the test run failed'}`;
      return summarize(false, [message], failAll(expected(), message), false, started);
    }
  };
}

/** A message on one line: its first few non-empty lines joined (an assertion's diff says NaN !== 4 on line 3). */
export const firstLine = (s: string, max = 300, lines = 4) => {
  const line = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, lines)
    .join(' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
};

/** Every named test failing with one message (nothing ran: no toolchain, no build). */
export const failAll = (names: string[], message: string): TestOutcome[] =>
  names.map((name) => ({ name, passed: false, message }));

/** A toolchain (or the JUnit jar) is missing: every test fails, never a pass. */
export const notValidated = (what: string, names: string[], started: number): TestRun => {
  const message = `not validated: ${what}`;
  return summarize(false, [message], failAll(names, message), false, started);
};

/** `1500` -> `1.5s` */
export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))}s`;

export function summarize(
  compiled: boolean,
  diagnostics: string[],
  tests: TestOutcome[],
  timedOut: boolean,
  started: number,
): TestRun {
  return {
    compiled,
    diagnostics,
    tests,
    passed: tests.filter((t) => t.passed).length,
    total: tests.length,
    timedOut,
    durationMs: performance.now() - started,
  };
}

/**
 * The compiler refused the code: its located errors (else its first line, or that it was killed at
 * `compileMs`), and every test not run.
 */
export function notCompiled(
  tool: string,
  c: { stderr: string; timedOut: boolean },
  diagnostics: string[],
  names: string[],
  compileMs: number,
  started: number,
): TestRun {
  const said = diagnostics.length
    ? diagnostics
    : [
        c.timedOut
          ? `${tool} was killed after ${seconds(compileMs)}`
          : firstLine(c.stderr) || `${tool} failed`,
      ];
  return summarize(false, said, failAll(names, 'not run: the code does not compile'), false, started);
}
