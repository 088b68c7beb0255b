import { TaskError, TaskErrorCode } from '../errors.js';
import { createPythonHarness } from './python.js';
import type { TestHarness } from './types.js';
import { createTypescriptHarness } from './typescript.js';

export type { RunOptions, TestHarness, TestOutcome, TestRun } from './types.js';

export const TASK_LANGUAGES = ['typescript', 'python'] as const;
export type TaskLanguage = (typeof TASK_LANGUAGES)[number];

const ALIASES: Record<string, TaskLanguage> = {
  ts: 'typescript',
  typescript: 'typescript',
  py: 'python',
  python: 'python',
};

export function taskLanguage(lang: string): TaskLanguage {
  const l = ALIASES[lang.toLowerCase()];
  if (!l)
    throw new TaskError(
      TaskErrorCode.UNSUPPORTED_LANGUAGE,
      `tasks support ${TASK_LANGUAGES.join(' and ')} (ts, py), not "${lang}"`,
    );
  return l;
}

export function harnessFor(language: TaskLanguage): TestHarness {
  return language === 'typescript' ? createTypescriptHarness() : createPythonHarness();
}
