import { LANGUAGES, type Language, toLanguage } from '../../generation/languages.js';
import { TaskError, TaskErrorCode } from '../errors.js';
import { createGoHarness } from './go.js';
import { createJavaHarness } from './java.js';
import { createPythonHarness } from './python.js';
import { createRustHarness } from './rust.js';
import type { TestHarness } from './types.js';
import { createTypescriptHarness } from './typescript.js';

export type { RunOptions, TestHarness, TestOutcome, TestRun } from './types.js';
export { isReservedPath } from './types.js';

/** Tasks run in every language the generator writes. */
export const TASK_LANGUAGES = LANGUAGES;
export type TaskLanguage = Language;

const HARNESSES: Record<TaskLanguage, () => TestHarness> = {
  typescript: createTypescriptHarness,
  python: createPythonHarness,
  go: createGoHarness,
  rust: createRustHarness,
  java: createJavaHarness,
};

export function taskLanguage(lang: string): TaskLanguage {
  const l = toLanguage(lang);
  if (!l)
    throw new TaskError(
      { code: TaskErrorCode.UNSUPPORTED_LANGUAGE, language: lang },
      `tasks support ${TASK_LANGUAGES.join(', ')} (aliases ts, py, golang, rs), not "${lang}"`,
    );
  return l;
}

export function harnessFor(language: TaskLanguage): TestHarness {
  return HARNESSES[language]();
}
