import { TaskError, TaskErrorCode } from '../errors.js';
import { createGoHarness } from './go.js';
import { createJavaHarness } from './java.js';
import { createPythonHarness } from './python.js';
import { createRustHarness } from './rust.js';
import type { TestHarness } from './types.js';
import { createTypescriptHarness } from './typescript.js';

export type { RunOptions, TestHarness, TestOutcome, TestRun } from './types.js';
export { isReservedPath } from './types.js';

export const TASK_LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'] as const;
export type TaskLanguage = (typeof TASK_LANGUAGES)[number];

const ALIASES: Record<string, TaskLanguage> = {
  ts: 'typescript',
  typescript: 'typescript',
  py: 'python',
  python: 'python',
  go: 'go',
  golang: 'go',
  rs: 'rust',
  rust: 'rust',
  java: 'java',
};

const HARNESSES: Record<TaskLanguage, () => TestHarness> = {
  typescript: createTypescriptHarness,
  python: createPythonHarness,
  go: createGoHarness,
  rust: createRustHarness,
  java: createJavaHarness,
};

export function taskLanguage(lang: string): TaskLanguage {
  const l = Object.hasOwn(ALIASES, lang.toLowerCase()) ? ALIASES[lang.toLowerCase()] : undefined;
  if (!l)
    throw new TaskError(
      TaskErrorCode.UNSUPPORTED_LANGUAGE,
      `tasks support ${TASK_LANGUAGES.join(', ')} (aliases ts, py, golang, rs), not "${lang}"`,
    );
  return l;
}

export function harnessFor(language: TaskLanguage): TestHarness {
  return HARNESSES[language]();
}
