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
  durationMs: number;
}

export interface RunOptions {
  /** how long the test run may take before it is killed (a hanging test then fails) */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Compiles a candidate with the task's tests and runs them, in a temp dir of its own. Never throws. */
export interface TestHarness {
  readonly language: string;
  /** what the prompt tells the model about how the tests are run */
  readonly howTestsRun: string;
  run(files: GeneratedFile[], tests: GeneratedFile[], options: RunOptions): Promise<TestRun>;
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
