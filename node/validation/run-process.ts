import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
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
  /**
   * Killed because stdout and stderr together passed `maxOutputBytes`: "output too large", a failure
   * of its own (not "the tests failed"); what was read until then is still in the result.
   */
  outputTooLarge?: true;
  /** bytes the child wrote on each stream, all of them (not only those kept in `stdout`/`stderr`) */
  stdoutBytes?: number;
  stderrBytes?: number;
  /** `stdout`/`stderr` hold only the first `captureBytes` of the stream (the line callbacks saw all of it) */
  stdoutTruncated?: true;
  stderrTruncated?: true;
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
  /**
   * Every line of stdout as it arrives (without its `\n`; a last line without one comes at the end),
   * decoded as UTF-8 across chunk boundaries: parse results while streaming, whatever their size,
   * instead of from the bounded `stdout`.
   */
  onStdoutLine?: (line: string) => void;
  /** the same for stderr */
  onStderrLine?: (line: string) => void;
  /**
   * Characters of each stream kept in `stdout`/`stderr` (default 1 MiB, as before); past it the rest
   * is dropped from the capture and `stdoutTruncated`/`stderrTruncated` say so. `Infinity` keeps all
   * (then set `maxOutputBytes`).
   */
  captureBytes?: number;
  /**
   * Bytes stdout and stderr may bring together; past it the process group is killed and the result
   * has `outputTooLarge` (default: no limit, as before; the capture stays bounded).
   */
  maxOutputBytes?: number;
  /** written to the child's stdin, which is then closed (default: no stdin) */
  stdin?: string | Buffer;
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

/**
 * One output stream: counted in full, kept up to `capture` characters, split into lines for `onLine`
 * (UTF-8 decoded across chunks, so a character split between two reads stays whole).
 */
function streamReader(capture: number, onLine?: (line: string) => void) {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let truncated = false;
  let bytes = 0;
  let partial = '';
  const take = (s: string) => {
    if (!s) return;
    if (text.length < capture) {
      const room = capture - text.length;
      text += s.length > room ? s.slice(0, room) : s;
      if (s.length > room) truncated = true;
    } else truncated = true;
    if (!onLine) return;
    const parts = (partial + s).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  };
  return {
    data(d: Buffer) {
      bytes += d.length;
      take(decoder.write(d));
    },
    end() {
      take(decoder.end());
      if (onLine && partial) onLine(partial);
      partial = '';
    },
    get bytes() {
      return bytes;
    },
    get text() {
      return text;
    },
    get truncated() {
      return truncated;
    },
  };
}

/**
 * Runs a command with a hard timeout (SIGKILL of its process group). Output is captured bounded
 * (`captureBytes`), streamed line by line to `onStdoutLine`/`onStderrLine`, and limited in total by
 * `maxOutputBytes` (the run is then killed and says `outputTooLarge`). Never throws.
 */
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
      stdoutBytes: 0,
      stderrBytes: 0,
    });
  return new Promise((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let tooLarge = false;
    let settled = false;
    const capture = opts.captureBytes ?? MAX_CAPTURE;
    const out = streamReader(capture, opts.onStdoutLine);
    const err = streamReader(capture, opts.onStderrLine);
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: childEnv(opts),
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
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
    if (opts.stdin !== undefined && child.stdin) {
      // a child that exits without reading its stdin must not crash this process with EPIPE
      child.stdin.on('error', () => {});
      child.stdin.end(opts.stdin);
    }
    const limit = opts.maxOutputBytes ?? Number.POSITIVE_INFINITY;
    const read = (stream: ReturnType<typeof streamReader>) => (d: Buffer) => {
      if (tooLarge) return;
      if (out.bytes + err.bytes + d.length > limit) {
        tooLarge = true;
        // what fits is still read: the output up to the limit, never past it
        stream.data(d.subarray(0, Math.max(0, limit - out.bytes - err.bytes)));
        kill();
        return;
      }
      stream.data(d);
    };
    child.stdout?.on('data', read(out));
    child.stderr?.on('data', read(err));
    const done = (code: number | null, notFound: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      resolve({
        code,
        stdout: out.text,
        stderr: err.text,
        timedOut,
        notFound,
        ...(cancelled ? { cancelled: true as const } : {}),
        durationMs: performance.now() - started,
        ...(tooLarge ? { outputTooLarge: true as const } : {}),
        stdoutBytes: out.bytes,
        stderrBytes: err.bytes,
        ...(out.truncated ? { stdoutTruncated: true as const } : {}),
        ...(err.truncated ? { stderrTruncated: true as const } : {}),
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
