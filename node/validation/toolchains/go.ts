import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { type ProcessResult, runProcess, withTempDir } from '../run-process.js';
import {
  DEFAULT_TOOL_TIMEOUT_MS,
  notFoundReason,
  resultBuilder,
  type SourceFile,
  TOOL_PACKAGES,
  type Toolchain,
  type ToolchainOptions,
  type ToolchainResult,
  type ToolDiagnostic,
} from '../toolchain.js';

/** Written when the output has no go.mod of its own. `go 1.19` is accepted by every toolchain since. */
export const DEFAULT_GO_MOD = 'module weavergen.local/semconv\n\ngo 1.19\n';

/**
 * go.opentelemetry.io/otel, the one library generated Go may import (the official semconv form:
 * attribute.Key, attribute.KeyValue), built offline from Debian's golang-opentelemetry-otel-dev
 * sources. `$WEAVERGEN_GO_OTEL` points elsewhere (a folder holding the module's go.mod).
 */
export const OTEL_MODULE = 'go.opentelemetry.io/otel';
export const OTEL_DEBIAN_PACKAGE = 'golang-opentelemetry-otel-dev';
export const DEFAULT_OTEL_SOURCE = '/usr/share/gocode/src/go.opentelemetry.io/otel';
export const OTEL_NOT_FOUND = `not validated: ${OTEL_MODULE} not found (Debian package: ${OTEL_DEBIAN_PACKAGE})`;

/** An import of the library: `"go.opentelemetry.io/otel"` or one of its packages, in an import clause. */
const OTEL_IMPORT = /^\s*(?:import\s+)?(?:[A-Za-z_.]\w*\s+)?"go\.opentelemetry\.io\/otel(?:\/[^"]*)?"/m;

export const importsOtel = (files: SourceFile[]) =>
  files.some((f) => f.path.endsWith('.go') && OTEL_IMPORT.test(f.content));

interface OtelSource {
  dir: string;
  /** the module's version (its version.go), as go.mod and vendor/modules.txt name it */
  version: string;
  /** vendor/modules.txt: the module, its go version, its packages */
  modulesTxt: string;
}

const otelSources = new Map<string, OtelSource | undefined>();

/** The library at `dir`, or undefined when its attribute package is not there. Read once per process. */
export function findOtelSource(dir: string): OtelSource | undefined {
  if (otelSources.has(dir)) return otelSources.get(dir);
  let found: OtelSource | undefined;
  if (existsSync(join(dir, 'go.mod')) && existsSync(join(dir, 'attribute'))) {
    const read = (f: string) => {
      try {
        return readFileSync(join(dir, f), 'utf8');
      } catch {
        return '';
      }
    };
    const version = /return\s+"(\d+\.\d+\.\d+[^"]*)"/.exec(read('version.go'))?.[1] ?? '1.0.0';
    const goVersion = /^go\s+(\d+\.\d+)/m.exec(read('go.mod'))?.[1] ?? '1.15';
    const packages = modulePackages(dir).map((p) => (p ? `${OTEL_MODULE}/${p}` : OTEL_MODULE));
    found = {
      dir,
      version: `v${version}`,
      modulesTxt: `# ${OTEL_MODULE} v${version}\n## explicit; go ${goVersion}\n${packages.join('\n')}\n`,
    };
  }
  otelSources.set(dir, found);
  return found;
}

/** The module's packages (folders with a non-test .go file), not descending into nested modules or testdata. */
function modulePackages(root: string, rel = ''): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(join(root, rel)).sort();
  } catch {
    return out;
  }
  if (entries.some((e) => e.endsWith('.go') && !e.endsWith('_test.go'))) out.push(rel);
  for (const e of entries) {
    if (e === 'testdata' || e.startsWith('.') || e.startsWith('_')) continue;
    const sub = rel ? `${rel}/${e}` : e;
    try {
      if (!statSync(join(root, sub)).isDirectory() || existsSync(join(root, sub, 'go.mod'))) continue;
    } catch {
      continue;
    }
    out.push(...modulePackages(root, sub));
  }
  return out;
}

/** Shared build cache: compiled packages are reused across validations; it holds no sources of ours. */
const GOCACHE = join(tmpdir(), 'weavergen-gocache');

/**
 * Go with no network and no surprises, in a build folder: the local toolchain, modules resolved in
 * the folder only, a build cache shared across runs (repeat builds are fast), no cgo.
 */
export const goOfflineEnv = (dir: string): Record<string, string> => ({
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-mod=mod -modcacherw',
  GOPROXY: 'off',
  GOSUMDB: 'off',
  GOWORK: 'off',
  GOCACHE,
  GOPATH: join(dir, '.gopath'),
  GO111MODULE: 'on',
  CGO_ENABLED: '0',
});

/** `./x.go:12:5: msg`, `go.mod:3: msg`, possibly with an absolute path. */
const LOCATED = /^(?:\.\/)?(.+?\.(?:go|mod)):(\d+)(?::(\d+))?:\s*(.*)$/;

/**
 * Go through the real toolchain in a temp module: `go build -gcflags=-e ./...` (every compile error,
 * not just the first ten), then `gofmt -l .` where every listed file is one warning. Offline and
 * hermetic: GOTOOLCHAIN=local, GOPROXY=off, GOFLAGS=-mod=mod, GOWORK=off. Output that imports
 * go.opentelemetry.io/otel (and has no go.mod of its own) builds with -mod=vendor against the local
 * sources of that module (Debian's golang-opentelemetry-otel-dev); without them it is not validated.
 */
export function createGoToolchain(
  init: { command?: string; gofmt?: string; otelSource?: string } = {},
): Toolchain {
  const command = init.command ?? 'go';
  const gofmt = init.gofmt ?? 'gofmt';
  const otelDir = () => init.otelSource ?? (process.env.WEAVERGEN_GO_OTEL?.trim() || DEFAULT_OTEL_SOURCE);
  return {
    language: 'go',
    tool: command,
    async validate(files: SourceFile[], options: ToolchainOptions = {}): Promise<ToolchainResult> {
      const started = performance.now();
      const result = resultBuilder('go', command, started);
      if (!files.some((f) => f.path.endsWith('.go')))
        return result('failed', [], 'no Go files in the output');
      const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
      const ownMod = files.some((f) => f.path === 'go.mod');
      // go.opentelemetry.io/otel, offline: vendored from the local sources (a link), -mod=vendor
      const otel = !ownMod && importsOtel(files) ? findOtelSource(otelDir()) : undefined;
      if (!ownMod && importsOtel(files) && !otel) return result('not_validated', [], OTEL_NOT_FOUND);
      const staged = ownMod
        ? files
        : [
            ...files,
            {
              path: 'go.mod',
              content: otel ? `${DEFAULT_GO_MOD}\nrequire ${OTEL_MODULE} ${otel.version}\n` : DEFAULT_GO_MOD,
            },
            ...(otel ? [{ path: 'vendor/modules.txt', content: otel.modulesTxt }] : []),
          ];
      return withTempDir('go', staged, async (dir) => {
        const env = goOfflineEnv(dir);
        if (otel) {
          const link = join(dir, 'vendor', ...OTEL_MODULE.split('/'));
          await mkdir(dirname(link), { recursive: true });
          await symlink(otel.dir, link, 'dir');
          env.GOFLAGS = '-mod=vendor';
        }
        const build = await runProcess(command, ['build', '-gcflags=-e', './...'], {
          cwd: dir,
          timeoutMs,
          env,
          signal: options.signal,
        });
        if (build.notFound) return result('not_validated', [], notFoundReason('go', command));
        if (build.timedOut) return result('failed', [], `${command} build timed out after ${timeoutMs} ms`);
        const diagnostics = parseBuildOutput(build, dir);
        if (build.code !== 0 && !diagnostics.some((d) => d.severity === 'error')) {
          const text = build.stderr.trim() || build.stdout.trim();
          diagnostics.push({
            file: '',
            line: 0,
            column: 0,
            severity: 'error',
            message:
              text.split('\n').slice(0, 5).join(' | ') || `${command} build exited with code ${build.code}`,
          });
        }
        let reason: string | undefined;
        const fmt = await runProcess(gofmt, ['-l', '.'], {
          cwd: dir,
          timeoutMs,
          env,
          signal: options.signal,
        });
        if (fmt.notFound)
          reason = `formatting not checked: ${gofmt} not found (Debian package: ${TOOL_PACKAGES.go})`;
        else if (fmt.timedOut) reason = `formatting not checked: ${gofmt} timed out after ${timeoutMs} ms`;
        else {
          const listed = fmt.stdout
            .split('\n')
            .map((l) => toRelative(l.trim(), dir))
            // a file that does not parse is reported by the build already
            .filter(
              (f) =>
                f &&
                !f.startsWith('.gopath/') &&
                !f.startsWith('vendor/') &&
                !diagnostics.some((d) => d.file === f && d.severity === 'error'),
            );
          const lines = listed.length
            ? await firstChangedLines(gofmt, listed, dir, timeoutMs, env, options.signal)
            : new Map<string, number>();
          for (const file of listed) {
            diagnostics.push({
              file,
              line: lines.get(file) ?? 1,
              column: 1,
              severity: 'warning',
              message: 'gofmt: file is not gofmt-formatted (run gofmt -w)',
            });
          }
        }
        const errors = diagnostics.filter((d) => d.severity === 'error').length;
        if (otel) {
          const built = `built against ${OTEL_MODULE} ${otel.version} from ${otel.dir}`;
          reason = reason ? `${reason}; ${built}` : built;
        }
        return result(errors > 0 ? 'failed' : 'passed', diagnostics, errors > 0 ? undefined : reason);
      });
    },
  };
}

/** Best effort: the first line `gofmt -d` would change in each file (the list itself comes from `gofmt -l`). */
async function firstChangedLines(
  gofmt: string,
  files: string[],
  dir: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const run = await runProcess(gofmt, ['-d', ...files.slice(0, 50)], { cwd: dir, timeoutMs, env, signal });
  if (run.notFound || run.timedOut) return out;
  let file = '';
  let line = 0;
  let inHunk = false;
  for (const l of run.stdout.split('\n')) {
    const plus = /^\+\+\+ (.+?)(?:\t.*)?$/.exec(l);
    if (plus) {
      file = toRelative(plus[1].trim(), dir);
      inHunk = false;
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (hunk) {
      line = Number(hunk[1]);
      inHunk = !out.has(file);
      continue;
    }
    if (!inHunk || !file) continue;
    if (l.startsWith('-') || l.startsWith('+')) {
      out.set(file, line);
      inHunk = false;
    } else line++;
  }
  return out;
}

function toRelative(path: string, dir: string): string {
  const p = isAbsolute(path) ? relative(dir, path) : path.replace(/^\.\//, '');
  return p.split('\\').join('/');
}

/** `go build` output: `# pkg` headers, `file:line:col: msg` lines (indented continuation lines appended). */
export function parseBuildOutput(
  run: Pick<ProcessResult, 'stdout' | 'stderr'>,
  dir: string,
): ToolDiagnostic[] {
  const out: ToolDiagnostic[] = [];
  for (const raw of `${run.stderr}\n${run.stdout}`.split('\n')) {
    const line = raw.trimEnd();
    if (!line || line.startsWith('#')) continue;
    if (/^\s/.test(line)) {
      const prev = out[out.length - 1];
      if (prev && prev.message.length < 500) prev.message += ` ${line.trim()}`;
      continue;
    }
    const m = LOCATED.exec(line);
    if (!m) continue;
    if (m[4] === 'too many errors') continue;
    out.push({
      file: toRelative(m[1], dir),
      line: Number(m[2]),
      column: m[3] ? Number(m[3]) : 0,
      severity: 'error',
      message: m[4],
    });
  }
  return out;
}
