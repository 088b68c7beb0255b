import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UnsafePathError, ValidationErrorCode } from './errors.js';
import type { SourceFile } from './toolchain.js';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** ENOENT: the executable is not installed */
  notFound: boolean;
  /**
   * The signal was aborted: before the start (nothing was spawned, `code` is null) or while it ran (it
   * was killed). Never a success.
   */
  cancelled?: true;
  durationMs: number;
}

export interface RunProcessOptions {
  cwd: string;
  timeoutMs: number;
  /** set on top of the inherited environment, or of the minimal one with `cleanEnv` */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /**
   * Do not inherit this process's environment (API keys, tokens): the child gets only
   * CLEAN_ENV_VARS and `passEnv` (those that are set here), then `env`. For code a model wrote.
   */
  cleanEnv?: boolean;
  /** with `cleanEnv`: more variables passed through when set (`JAVA_HOME`, `RUSTUP_TOOLCHAIN`) */
  passEnv?: readonly string[];
}

/** What a child run with `cleanEnv` still gets from this process's environment (when set). */
export const CLEAN_ENV_VARS = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ'] as const;

/** The environment a child gets: all of this process's, or with `cleanEnv` only the minimal part. */
export function childEnv(opts: Pick<RunProcessOptions, 'env' | 'cleanEnv' | 'passEnv'>): NodeJS.ProcessEnv {
  if (!opts.cleanEnv) return { ...process.env, ...opts.env };
  const env: NodeJS.ProcessEnv = {};
  for (const k of [...CLEAN_ENV_VARS, ...(opts.passEnv ?? [])])
    if (process.env[k] !== undefined) env[k] = process.env[k];
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return env;
}

const MAX_CAPTURE = 1024 * 1024;

/** Runs a command with a hard timeout (SIGKILL of its process group), capturing bounded output. Never throws. */
export function runProcess(cmd: string, args: string[], opts: RunProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  // an aborted signal fires no 'abort' event any more: nothing is started
  if (opts.signal?.aborted)
    return Promise.resolve({
      code: null,
      stdout: '',
      stderr: 'cancelled before it started',
      timedOut: false,
      notFound: false,
      cancelled: true,
      durationMs: 0,
    });
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: childEnv(opts),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += d.toString();
    });
    const done = (code: number | null, notFound: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        code,
        stdout,
        stderr,
        timedOut,
        notFound,
        ...(cancelled ? { cancelled: true as const } : {}),
        durationMs: performance.now() - started,
      });
    };
    child.on('error', (e: NodeJS.ErrnoException) => done(null, e.code === 'ENOENT'));
    child.on('close', (code) => done(code, false));
  });
}

export { UnsafePathError, ValidationErrorCode } from './errors.js';

const unsafePath = (path: string) =>
  new UnsafePathError(
    { code: ValidationErrorCode.UNSAFE_PATH, path },
    `unsafe file path "${path}": it must be relative and stay inside the folder`,
  );

/** `dir/path`, or an UnsafePathError when the path is absolute, empty, or leads out of `dir`. */
export function insideDir(dir: string, path: string): string {
  if (!path || path.includes('\0') || isAbsolute(path)) throw unsafePath(path);
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw unsafePath(path);
  return full;
}

/**
 * Writes the files into a fresh temp dir, runs `fn` there, and always removes the dir. A path that is
 * absolute or leads out of the dir throws UnsafePathError (nothing runs); a later file of the same
 * path replaces an earlier one.
 */
export async function withTempDir<T>(
  prefix: string,
  files: SourceFile[],
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `weavergen-${prefix}-`));
  try {
    for (const f of files) {
      const full = insideDir(dir, f.path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, f.content);
    }
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Cached `which`: is the executable on PATH? Checked once per process. */
const found = new Map<string, Promise<boolean>>();
export function hasExecutable(cmd: string, versionArgs: string[] = ['--version']): Promise<boolean> {
  let p = found.get(cmd);
  if (!p) {
    p = runProcess(cmd, versionArgs, { cwd: tmpdir(), timeoutMs: 15_000 }).then(
      (r) => !r.notFound && !r.timedOut,
    );
    found.set(cmd, p);
  }
  return p;
}
