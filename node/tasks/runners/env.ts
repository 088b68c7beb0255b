import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RunProcessOptions } from '../../validation/run-process.js';

/** The code's HOME: an empty folder of the run's own (a reserved path: no answer file goes there). */
export const TASK_HOME = '.weavergen-home';

/**
 * Process options for a compiler or test run of model-written code: a clean environment (no API key
 * or token of this process), HOME an empty folder in the run's temp dir, English messages, plus the
 * toolchain's own variables (`vars`) and those passed through when set (`pass`).
 */
export async function taskProcess(
  dir: string,
  vars: Record<string, string> = {},
  pass: readonly string[] = [],
): Promise<Pick<RunProcessOptions, 'cwd' | 'env' | 'cleanEnv' | 'passEnv'>> {
  const home = join(dir, TASK_HOME);
  await mkdir(home, { recursive: true });
  return {
    cwd: dir,
    cleanEnv: true,
    passEnv: pass,
    env: { HOME: home, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...vars },
  };
}

/**
 * rustc on PATH is usually a rustup proxy: it finds its toolchain through RUSTUP_HOME, else
 * `$HOME/.rustup`, and HOME is the run's own now; these keep the real ones.
 */
export const rustupVars = (): Record<string, string> => ({
  RUSTUP_HOME: process.env.RUSTUP_HOME || join(homedir(), '.rustup'),
  CARGO_HOME: process.env.CARGO_HOME || join(homedir(), '.cargo'),
});
