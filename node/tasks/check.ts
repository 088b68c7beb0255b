import { createHash } from 'node:crypto';
import type { GeneratedFile } from '../generation/index.js';
import { TaskError, TaskErrorCode } from './errors.js';
import { harnessFor, taskLanguage } from './runners/index.js';
import { isReservedPath, type TestHarness } from './runners/types.js';

/** A description with something in it (the API, the CLI and the loop refuse a blank one alike). */
export function checkDescription(description: string): void {
  if (typeof description !== 'string' || description.trim() === '')
    throw new TaskError(
      { code: TaskErrorCode.NO_DESCRIPTION },
      'the task description is empty: say what the code should do, e.g. "a function sum(a, b) that treats a missing b as 0"',
    );
}

/**
 * A test file's name: relative, inside the task's temp folder, no `..`, no hidden files, no spaces
 * (the same rule for the API and the CLI).
 */
export const TEST_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))\w[\w.-]*(?:\/\w[\w.-]*){0,4}$/;
export const TEST_PATH_RULE = 'a relative file name such as sum.test.ts: letters, digits, _ . -, no ..';

/**
 * The task's test files as the harness will write them, refused when a name breaks the rule, comes
 * twice, or is one the harness writes itself (its runner, reporter, package.json, ...).
 */
export function checkTests(tests: GeneratedFile[], harness: TestHarness): GeneratedFile[] {
  if (tests.length === 0)
    throw new TaskError({ code: TaskErrorCode.NO_TESTS }, 'a task needs at least one test file');
  for (const t of tests)
    if (!TEST_PATH.test(t.path))
      throw new TaskError(
        { code: TaskErrorCode.BAD_TESTS, path: t.path },
        `test file ${JSON.stringify(t.path)}: ${TEST_PATH_RULE}`,
      );
  const normalized = harness.normalizeTests?.(tests) ?? tests;
  const seen = new Set<string>();
  for (const t of normalized) {
    if (seen.has(t.path))
      throw new TaskError(
        { code: TaskErrorCode.BAD_TESTS, path: t.path },
        `test file ${t.path} is given twice`,
      );
    seen.add(t.path);
    if (isReservedPath(t.path, harness.reservedPaths))
      throw new TaskError(
        { code: TaskErrorCode.BAD_TESTS, path: t.path },
        `test file ${t.path}: the ${harness.language} harness writes that path itself (${harness.reservedPaths.join(', ')}); rename it`,
      );
  }
  return normalized;
}

/**
 * A task that can run as far as can be told without running anything: a description, a known
 * language and acceptable test file names (throws TaskError otherwise).
 */
export function checkTask(task: { description: string; language: string; tests: GeneratedFile[] }): void {
  checkDescription(task.description);
  checkTests(task.tests, harnessFor(taskLanguage(task.language)));
}

/** errors listed in a refusal at most; the rest are counted */
const MAX_LISTED = 20;

/** Recent pre-check results (the CLI, the node and the loop check the same tests in one process). */
const compiled = new Map<string, Promise<string[]>>();
const COMPILED_KEPT = 32;

/**
 * The harness's compile of the test files alone (its `checkTests`; none: nothing to refuse), from a
 * small cache. A check that throws refuses nothing: the run will report what is wrong.
 */
export function testErrors(
  harness: TestHarness,
  tests: GeneratedFile[],
  signal?: AbortSignal,
): Promise<string[]> {
  const check = harness.checkTests;
  if (!check) return Promise.resolve([]);
  const key = createHash('sha256')
    .update(JSON.stringify([harness.language, tests.map((t) => [t.path, t.content])]))
    .digest('hex');
  let errors = compiled.get(key);
  if (!errors) {
    errors = check.call(harness, tests, { signal }).catch(() => []);
    compiled.set(key, errors);
    if (compiled.size > COMPILED_KEPT) compiled.delete(compiled.keys().next().value as string);
    // a check cut short by a cancelled task is not a result to keep
    void errors.then(() => {
      if (signal?.aborted) compiled.delete(key);
    });
  }
  return errors;
}

/**
 * Everything checkTask checks, then the test files compiled alone (before any model is asked): errors
 * in them are the user's, refused as TASK_BAD_TESTS with their locations. Returns the tests as the
 * harness writes them. The CLI, the node (before a task is stored) and the loop all call this.
 */
export async function precheckTask(
  task: { description: string; language: string; tests: GeneratedFile[] },
  options: { harness?: TestHarness; signal?: AbortSignal } = {},
): Promise<GeneratedFile[]> {
  checkDescription(task.description);
  const harness = options.harness ?? harnessFor(taskLanguage(task.language));
  const tests = checkTests(task.tests, harness);
  const errors = await testErrors(harness, tests, options.signal);
  if (errors.length === 0) return tests;
  const files = new Set(errors.map((e) => e.split(':')[0]));
  const listed = errors.slice(0, MAX_LISTED).map((e) => `  ${e}`);
  if (errors.length > MAX_LISTED) listed.push(`  (${errors.length - MAX_LISTED} more)`);
  throw new TaskError(
    { code: TaskErrorCode.BAD_TESTS, path: [...files][0] ?? tests[0]?.path ?? '', diagnostics: errors },
    `the test file${files.size > 1 ? 's do' : ' does'} not compile (the errors are in the tests, so no model was asked):\n${listed.join('\n')}`,
  );
}
