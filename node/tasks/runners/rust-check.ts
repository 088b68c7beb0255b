import { dirname, join, posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { type RunProcessOptions, runProcess, withTempDir } from '../../validation/run-process.js';
import { rustupVars, taskProcess } from './env.js';

/** how long parsing one test file may take before the check gives up on it (and refuses nothing) */
export const RUST_CHECK_MS = 30_000;
/** rustup picks its toolchain through these when set (as for the run) */
const PASS_ENV = ['RUSTUP_TOOLCHAIN', 'RUSTUP_AUTO_INSTALL'];

/** read at each check, as the run reads WEAVERGEN_RUSTC */
const rustc = () => process.env.WEAVERGEN_RUSTC || 'rustc';
/**
 * rustfmt of the same toolchain as the rustc the run uses: WEAVERGEN_RUSTFMT, else the rustfmt beside
 * a rustc given by path, else rustfmt on PATH (with rustup, the same toolchain's).
 */
export const rustfmt = () => {
  if (process.env.WEAVERGEN_RUSTFMT) return process.env.WEAVERGEN_RUSTFMT;
  const c = process.env.WEAVERGEN_RUSTC;
  return c?.includes('/') ? join(dirname(c), 'rustfmt') : 'rustfmt';
};

/**
 * rustc's parse-only flag, unstable (allowed on a stable rustc with RUSTC_BOOTSTRAP=1): its name
 * since Rust 1.79, then before. Which one a rustc knows is learnt once per rustc (and rustup toolchain).
 */
const PARSE_FLAGS = ['parse-crate-root-only', 'parse-only'] as const;
const UNKNOWN_FLAG = /unknown (?:unstable|debugging) option/;
const parseFlags = new Map<string, string | null>();

type Proc = Pick<RunProcessOptions, 'cwd' | 'env' | 'cleanEnv' | 'passEnv'>;

/**
 * The test files' syntax, each file alone and never the modules it declares (so neither the crate
 * the model is to write nor a `mod helpers;` file need exist): `file:line:col: error: message` per
 * parse error. rustfmt (stable) parses the file from stdin; without it (Debian's rustc comes
 * without), rustc's parse-only mode does, on a stable rustc through RUSTC_BOOTSTRAP=1. Without
 * either, a check killed at its timeout or cancelled: nothing to refuse (the run reports what is
 * missing itself). Macro bodies are not parsed by either (rustc parses them when it expands them),
 * and names are never resolved: only errors no answer could fix are reported.
 */
export async function checkRustTests(tests: GeneratedFile[], signal?: AbortSignal): Promise<string[]> {
  const rs = tests.filter((t) => t.path.endsWith('.rs'));
  if (rs.length === 0) return [];
  return withTempDir('task-rs-check', rs, async (dir) => {
    const proc = await taskProcess(dir, rustupVars(), PASS_ENV);
    const out: string[] = [];
    for (const t of rs) {
      if (signal?.aborted) return [];
      const found = await checkOne(t, proc, signal);
      if (found === 'cancelled') return [];
      out.push(...found);
    }
    return out;
  });
}

async function checkOne(t: GeneratedFile, proc: Proc, signal?: AbortSignal): Promise<string[] | 'cancelled'> {
  const path = posix.normalize(t.path);
  // 1. rustfmt, the file on stdin: it never looks for the module files the test declares
  const f = await runProcess(rustfmt(), ['--edition', '2021', '--emit', 'stdout'], {
    ...proc,
    stdin: t.content,
    timeoutMs: RUST_CHECK_MS,
    signal,
    captureBytes: 256 * 1024,
  });
  if (f.cancelled) return 'cancelled';
  if (!f.notFound && !f.timedOut) {
    if (f.code === 0) return [];
    const said = rustfmtErrors(f.stderr, path);
    if (said.length) return said;
  }
  // 2. no rustfmt (or one that failed without a located error: a rustup toolchain without the
  // component, a crash): rustc's parse-only mode, the crate root alone
  return rustcParse(path, proc, signal);
}

async function rustcParse(path: string, proc: Proc, signal?: AbortSignal): Promise<string[] | 'cancelled'> {
  const cmd = rustc();
  const key = `${cmd}\0${process.env.RUSTUP_TOOLCHAIN ?? ''}`;
  const known = parseFlags.get(key);
  if (known === null) return [];
  for (const flag of known ? [known] : PARSE_FLAGS) {
    const r = await runProcess(
      cmd,
      [
        '--edition',
        '2021',
        '--crate-name',
        'weavergen_check',
        '--crate-type',
        'lib',
        '--error-format=short',
        '-Z',
        flag,
        path,
      ],
      {
        ...proc,
        env: { ...proc.env, RUSTC_BOOTSTRAP: '1' },
        timeoutMs: RUST_CHECK_MS,
        signal,
        captureBytes: 256 * 1024,
      },
    );
    if (r.cancelled) return 'cancelled';
    if (r.notFound || r.timedOut) return [];
    if (UNKNOWN_FLAG.test(r.stderr)) continue;
    parseFlags.set(key, flag);
    return r.code === 0 ? [] : rustcParseErrors(r.stderr, path);
  }
  // neither flag: this rustc cannot parse alone
  if (!known) parseFlags.set(key, null);
  return [];
}

/** an error that names a file the test declares but the check never wrote: not the test's syntax */
const NOT_SYNTAX = /file not found for module|couldn't read|E0583/;

/**
 * rustfmt's human-readable errors (`error: expected ...` then ` --> <stdin>:6:29`) as
 * `tests.rs:6:29: error: expected ...`. rustfmt's own complaints (`error[internal]: ...`, formatting
 * it could not do) are not the user's errors.
 */
export function rustfmtErrors(stderr: string, path: string): string[] {
  const out: string[] = [];
  let pending: string | undefined;
  for (const raw of stderr.split('\n')) {
    const l = raw.trim();
    const e = /^(error(?:\[E\d+\])?): (.*)$/.exec(l);
    if (e) {
      pending = /^error: aborting due to/.test(l) || NOT_SYNTAX.test(l) ? undefined : `${e[1]}: ${e[2]}`;
      continue;
    }
    const at = /^--> <stdin>:(\d+):(\d+)$/.exec(l);
    if (at && pending) {
      out.push(`${path}:${at[1]}:${at[2]}: ${pending}`);
      pending = undefined;
    }
  }
  return out;
}

/** rustc --error-format=short: `tests.rs:6:29: error: expected ...`, this file's errors only. */
export function rustcParseErrors(stderr: string, path: string): string[] {
  const out: string[] = [];
  for (const raw of stderr.split('\n')) {
    const m = /^(.+?):(\d+):(\d+): (error(?:\[E\d+\])?: .*)$/.exec(raw.trim());
    if (!m || posix.normalize(m[1]) !== path || NOT_SYNTAX.test(m[4])) continue;
    out.push(`${path}:${m[2]}:${m[3]}: ${m[4]}`);
  }
  return out;
}
