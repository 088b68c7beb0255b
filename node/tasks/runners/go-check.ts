import { dirname, join, posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { taskProcess } from './env.js';

/** how long parsing the test files may take before the check gives up (and refuses nothing) */
export const GO_CHECK_MS = 30_000;

/**
 * gofmt of the same toolchain as the `go` the run uses (read at each check, as the run reads
 * WEAVERGEN_GO): WEAVERGEN_GOFMT, else the gofmt beside a `go` given by path, else gofmt on PATH.
 */
export const gofmt = () => {
  if (process.env.WEAVERGEN_GOFMT) return process.env.WEAVERGEN_GOFMT;
  const go = process.env.WEAVERGEN_GO;
  return go?.includes('/') ? join(dirname(go), 'gofmt') : 'gofmt';
};

/** `sum_test.go:7:41: missing ',' before newline in argument list` (gofmt's own format) */
const LOCATED = /^(?:\.\/)?(.+?\.go):(\d+):(\d+): (.*)$/;

/**
 * The test files' syntax, each file alone (`gofmt -l`: the parser only, nothing resolved, so the
 * functions the model is to write need not exist yet): `file:line:col: message` per error, at most
 * ten a file (gofmt's own limit, one per line). Type errors are not looked for: without the answer's
 * code most of them could be its to fix. No gofmt, a check killed at its timeout or cancelled:
 * nothing to refuse (the run reports a missing toolchain itself).
 */
export async function checkGoTests(tests: GeneratedFile[], signal?: AbortSignal): Promise<string[]> {
  const go = tests.filter((t) => t.path.endsWith('.go') && built(t));
  if (go.length === 0) return [];
  const paths = new Set(go.map((t) => posix.normalize(t.path)));
  return withTempDir('task-go-check', go, async (dir) => {
    const r = await runProcess(gofmt(), ['-l', ...go.map((t) => t.path)], {
      ...(await taskProcess(dir)),
      timeoutMs: GO_CHECK_MS,
      signal,
      captureBytes: 256 * 1024,
    });
    if (r.notFound || r.timedOut || r.cancelled || r.code === 0) return [];
    return goParseErrors(r.stderr, paths);
  });
}

/**
 * Is the file one go test compiles whatever the answer? Not under `testdata/` or a folder or file
 * whose name starts with `_` or `.` (the go tool ignores those: a deliberately broken fixture lives
 * there), nor behind a build constraint (`//go:build ignore` files are never parsed by go test).
 */
function built(t: GeneratedFile): boolean {
  const parts = posix.normalize(t.path).split('/');
  if (parts.some((p, i) => (i < parts.length - 1 && p === 'testdata') || /^[_.]/.test(p))) return false;
  return !/^\s*\/\/(?:go:build\s|\s*\+build\s)/m.test(t.content);
}

/** gofmt's located errors in the given files (paths as written, without the temp dir or `./`). */
export function goParseErrors(stderr: string, files: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const raw of stderr.split('\n')) {
    const m = LOCATED.exec(raw.trim());
    if (!m) continue;
    const file = posix.normalize(m[1]);
    if (!files.has(file)) continue;
    out.push(`${file}:${m[2]}:${m[3]}: ${m[4]}`);
  }
  return out;
}
