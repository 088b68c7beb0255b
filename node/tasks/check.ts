import type { GeneratedFile } from '../generation/index.js';
import { TaskError, TaskErrorCode } from './errors.js';
import { harnessFor, taskLanguage } from './runners/index.js';
import { isReservedPath, type TestHarness } from './runners/types.js';

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

/** A task that can run: a known language and acceptable test files (throws TaskError otherwise). */
export function checkTask(task: { language: string; tests: GeneratedFile[] }): void {
  checkTests(task.tests, harnessFor(taskLanguage(task.language)));
}
