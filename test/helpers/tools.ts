import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEFAULT_OTEL_SOURCE, OTEL_DEBIAN_PACKAGE } from '../../node/validation/toolchains/go.js';

/**
 * The external toolchains some tests run, how each is found, and the Debian package that brings it
 * (.ci/run installs them all). Found without starting anything: executables are looked up on PATH,
 * files (or folders holding given files) at their configured place, or where their variable points.
 */
const TOOLS = {
  go: { executables: ['go', 'gofmt'], files: [], debian: 'golang-go' },
  /**
   * go.opentelemetry.io/otel's sources, which the Go pack's default output imports (attribute.Key):
   * the Go validator builds against them offline, and reports output importing them as not validated
   * without them. A folder: found when it holds the module's go.mod and attribute package.
   */
  goOtel: {
    name: 'go.opentelemetry.io/otel',
    executables: [],
    files: [
      {
        env: 'WEAVERGEN_GO_OTEL',
        path: DEFAULT_OTEL_SOURCE,
        inside: ['go.mod', join('attribute', 'key.go')],
      },
    ],
    debian: OTEL_DEBIAN_PACKAGE,
  },
  java: { executables: ['javac', 'java'], files: [], debian: 'default-jdk-headless' },
  junit: {
    executables: [],
    files: [
      {
        env: 'WEAVERGEN_JUNIT_JAR',
        path: '/usr/share/java/junit-platform-console-standalone.jar',
      },
    ],
    debian: 'junit5',
  },
  rust: { executables: ['rustc'], files: [], debian: 'rustc' },
  python: { executables: ['python3'], files: [], debian: 'python3' },
  chromium: {
    executables: [],
    files: [{ env: 'WEAVERGEN_CHROMIUM', path: '/usr/bin/chromium' }],
    debian: 'chromium',
  },
} satisfies Record<
  string,
  {
    /** what messages call it; the key by default */
    name?: string;
    executables: string[];
    /** a file at `path` (or `$env`); with `inside`, a folder holding these files */
    files: { env: string; path: string; inside?: string[] }[];
    debian: string;
  }
>;

export type Tool = keyof typeof TOOLS;

export interface Toolchain {
  /** every tool asked for is here */
  ok: boolean;
  /** skip the test: a tool is missing and this is not CI (under CI a missing tool is a failure, so the test runs) */
  skip: boolean;
  /** what is missing and the Debian package to install; '' when ok */
  reason: string;
  /** ` (skipped: <reason>)` to append to the test's name when it is skipped, else '' */
  note: string;
}

export const inCI = (env: NodeJS.ProcessEnv = process.env) => env.CI === 'true' || env.CI === '1';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

const onPath = (name: string, env: NodeJS.ProcessEnv) =>
  (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

const isDir = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Whether the tools a test needs are here. Outside CI a test needing a missing one is skipped
 * (`skip`, with `note` in its name saying what to install); under CI (`CI=true` or `CI=1`) it is not
 * skipped, so it runs and fails.
 */
export function toolchain(...tools: Tool[]): Toolchain {
  const env = process.env;
  const missing: string[] = [];
  for (const tool of tools) {
    const t = TOOLS[tool];
    const absent = [
      ...t.executables.filter((e) => !onPath(e, env)).map((e) => `${e} not on PATH`),
      ...t.files.flatMap((f: { env: string; path: string; inside?: string[] }) => {
        const p = env[f.env]?.trim() || f.path;
        if (!f.inside) return isFile(p) ? [] : [`${p} not found`];
        if (!isDir(p)) return [`${p} not found`];
        const lacking = f.inside.filter((i) => !isFile(join(p, i)));
        return lacking.length ? [`${p} holds no ${lacking.join(', ')}`] : [];
      }),
    ];
    const name = 'name' in t ? t.name : tool;
    if (absent.length) missing.push(`${name}: ${absent.join(', ')} (apt-get install ${t.debian})`);
  }
  const ok = missing.length === 0;
  const reason = missing.join('; ');
  const skip = !ok && !inCI(env);
  if (skip) warnOnce(reason, '; under CI (CI=true) these tests run and fail');
  return { ok, skip, reason, note: skip ? ` (skipped: ${reason})` : '' };
}

/**
 * Each reason to skip is also said once on stderr: the default reporter lists no skipped test by
 * name, so without it a reader would not learn why, or how to run them.
 */
const warned = new Set<string>();
const warnOnce = (reason: string, more = '') => {
  if (warned.has(reason)) return;
  warned.add(reason);
  console.warn(`tests skipped: ${reason}${more}`);
};

/**
 * ` (skipped: a; b)` for a test's name from the reasons that apply (falsy ones are left out), else
 * ''; each reason is said once on stderr too.
 */
export const skipNote = (...reasons: (string | false | undefined)[]): string => {
  const given = reasons.filter((r): r is string => !!r);
  for (const r of given) warnOnce(r);
  return given.length ? ` (skipped: ${given.join('; ')})` : '';
};
