import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SourceFile } from './toolchain.js';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** ENOENT: the executable is not installed */
  notFound: boolean;
  durationMs: number;
}

const MAX_CAPTURE = 1024 * 1024;

/** Runs a command with a hard timeout (SIGKILL of its process group), capturing bounded output. Never throws. */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
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
    const onAbort = () => kill();
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
      resolve({ code, stdout, stderr, timedOut, notFound, durationMs: performance.now() - started });
    };
    child.on('error', (e: NodeJS.ErrnoException) => done(null, e.code === 'ENOENT'));
    child.on('close', (code) => done(code, false));
  });
}

/** Writes the files into a fresh temp dir, runs `fn` there, and always removes the dir. */
export async function withTempDir<T>(
  prefix: string,
  files: SourceFile[],
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `weavergen-${prefix}-`));
  try {
    for (const f of files) {
      const full = join(dir, f.path);
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
