import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { runProcess, withTempDir } from '../run-process.js';
import {
  DEFAULT_TOOL_TIMEOUT_MS,
  notFoundReason,
  resultBuilder,
  type SourceFile,
  type Toolchain,
  type ToolchainOptions,
  type ToolchainResult,
  type ToolDiagnostic,
} from '../toolchain.js';

/**
 * Java through `javac` alone (the JDK only, no build tool, no network): every `.java` file of the
 * output compiled together with `-Xlint:all` (doclint stays off: Javadoc HTML is not checked),
 * classes written to a temp dir and thrown away. Diagnostics are read from javac's
 * `File.java:line: error|warning: message` lines, the column from the caret line under them.
 *
 * Output that imports the OpenTelemetry API (`io.opentelemetry.api...`, as the official
 * semantic-convention artifacts do) is compiled against the real opentelemetry-api jar when one is
 * here (findOpenTelemetryApi: `WEAVERGEN_OTEL_API_JAR`, Debian's /usr/share/java, the local Maven
 * or Gradle cache; nothing is downloaded), and the result's reason names it. Where there is none,
 * it is compiled against minimal stand-ins of the classes it uses (AttributeKey, AttributeType,
 * Value: the real API's names and signatures) and the reason says so: a pass then proves the code
 * compiles, not that it compiles against io.opentelemetry.api.
 */
export function createJavaToolchain(
  init: {
    command?: string;
    /** the opentelemetry-api jar; null: as if none were found; default: findOpenTelemetryApi() */
    apiJar?: string | null;
  } = {},
): Toolchain {
  const command = init.command ?? 'javac';
  return {
    language: 'java',
    tool: command,
    async validate(files: SourceFile[], options: ToolchainOptions = {}): Promise<ToolchainResult> {
      const started = performance.now();
      const result = resultBuilder('java', command, started);
      const sources = files
        .map((f) => posix.normalize(f.path.replace(/\\/g, '/')))
        .filter((p) => p.endsWith('.java'));
      if (sources.length === 0) {
        return result('failed', [], 'no Java files in the output');
      }
      const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
      const needsApi = usesOpenTelemetryApi(files);
      const jar = needsApi
        ? init.apiJar === undefined
          ? findOpenTelemetryApi()
          : (init.apiJar ?? undefined)
        : undefined;
      const reason = !needsApi
        ? undefined
        : jar
          ? `compiled against io.opentelemetry.api from ${basename(jar)}`
          : API_NOT_FOUND;
      return withTempDir('java', files, async (dir) => {
        const all = [...sources];
        if (needsApi && !jar) {
          await mkdir(join(dir, STAND_IN_DIR, 'io/opentelemetry/api/common'), { recursive: true });
          for (const [name, text] of Object.entries(API_STAND_INS)) {
            const path = `${STAND_IN_DIR}/io/opentelemetry/api/common/${name}.java`;
            await writeFile(join(dir, path), text);
            all.push(path);
          }
        }
        // an @argfile keeps the command line short whatever the number of files
        await writeFile(join(dir, '.weavergen-sources'), `${all.map(argfileQuote).join('\n')}\n`);
        const args = [
          '-d',
          join(dir, '.weavergen-classes'),
          ...(jar ? ['-cp', jar] : []),
          '-Xlint:all',
          '-encoding',
          'UTF-8',
          '-proc:none',
          '-Xmaxerrs',
          '10000',
          '-Xmaxwarns',
          '10000',
          // a short-lived compiler: smaller, quicker JVM
          '-J-XX:+UseSerialGC',
          '-J-XX:TieredStopAtLevel=1',
          '@.weavergen-sources',
        ];
        const run = await runProcess(command, args, {
          cwd: dir,
          timeoutMs,
          signal: options.signal,
          env: { LC_ALL: 'C', LANG: 'C' },
        });
        if (run.notFound) return result('not_validated', [], notFoundReason('java', command));
        if (run.timedOut) return result('failed', [], `${command} timed out after ${timeoutMs} ms`);
        // the stand-ins are ours, not the candidate's: what javac says about them is not counted
        const diagnostics = parseJavacOutput(`${run.stderr}\n${run.stdout}`).filter(
          (d) => !d.file.startsWith(`${STAND_IN_DIR}/`),
        );
        const failed = diagnostics.some((d) => d.severity === 'error');
        // a tool that failed without a located error (bad flag, crash) still failed: the builder counts one
        if (run.code !== 0 && !failed)
          return result(
            'failed',
            diagnostics,
            `${command} exited with code ${run.code}: ${firstLine(run.stderr) || firstLine(run.stdout) || 'no output'}`,
          );
        // compiled against our stand-ins only: the code compiles, but nothing was checked against
        // io.opentelemetry.api itself, so it is not validated (never a pass)
        return result(failed ? 'failed' : needsApi && !jar ? 'not_validated' : 'passed', diagnostics, reason);
      });
    },
  };
}

const STAND_IN_DIR = '.weavergen-api';

/** What a pass means when opentelemetry-api was not found (never a silent pass). */
export const API_NOT_FOUND =
  'not validated: opentelemetry-api (io.opentelemetry.api) not found ' +
  '(set WEAVERGEN_OTEL_API_JAR to its jar or classes folder, or have io.opentelemetry:opentelemetry-api in ~/.m2); ' +
  'compiled against local stand-ins of its classes';

/** The output imports io.opentelemetry.api and does not define it itself. */
export function usesOpenTelemetryApi(files: SourceFile[]): boolean {
  const java = files.filter((f) => f.path.endsWith('.java'));
  if (java.some((f) => /^\s*package\s+io\.opentelemetry\.api\b/m.test(f.content))) return false;
  return java.some((f) => /^\s*import\s+(?:static\s+)?io\.opentelemetry\.api\./m.test(f.content));
}

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

const listDir = (p: string) => {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
};

/** newest first: 1.66.0 before 1.62.0 before 1.9.0; pre-releases after their release */
const byVersionDesc = (a: string, b: string) => {
  const parts = (v: string) => v.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return typeof x === 'number' ? -1 : typeof y === 'number' ? 1 : String(y).localeCompare(String(x));
  }
  return 0;
};

/**
 * The opentelemetry-api jar, looked for without a network: `$WEAVERGEN_OTEL_API_JAR` (when set, only
 * there), else /usr/share/java/opentelemetry-api.jar, else the newest version in the local Maven
 * repository (~/.m2/repository/io/opentelemetry/opentelemetry-api/<v>/) or Gradle's cache.
 */
const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export function findOpenTelemetryApi(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string | undefined {
  const given = env.WEAVERGEN_OTEL_API_JAR?.trim();
  if (given) return isFile(given) || isDir(given) ? given : undefined;
  if (isFile('/usr/share/java/opentelemetry-api.jar')) return '/usr/share/java/opentelemetry-api.jar';
  const m2 = join(home, '.m2', 'repository', 'io', 'opentelemetry', 'opentelemetry-api');
  for (const v of listDir(m2).sort(byVersionDesc)) {
    const jar = join(m2, v, `opentelemetry-api-${v}.jar`);
    if (isFile(jar)) return jar;
  }
  const gradle = join(
    home,
    '.gradle',
    'caches',
    'modules-2',
    'files-2.1',
    'io.opentelemetry',
    'opentelemetry-api',
  );
  for (const v of listDir(gradle).sort(byVersionDesc))
    for (const hash of listDir(join(gradle, v))) {
      const jar = join(gradle, v, hash, `opentelemetry-api-${v}.jar`);
      if (isFile(jar)) return jar;
    }
  return undefined;
}

/**
 * Minimal stand-ins for the opentelemetry-api classes the semantic-convention artifacts use, with
 * the real API's names and signatures (io.opentelemetry.api.common, API 1.5x), written by us.
 */
export const API_STAND_INS: Record<string, string> = {
  AttributeKey: `package io.opentelemetry.api.common;

import java.util.List;

/** Stand-in for opentelemetry-api's AttributeKey (WeaverGen validation only). */
public interface AttributeKey<T> {
  String getKey();

  AttributeType getType();

  static AttributeKey<String> stringKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.STRING);
  }

  static AttributeKey<Boolean> booleanKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.BOOLEAN);
  }

  static AttributeKey<Long> longKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.LONG);
  }

  static AttributeKey<Double> doubleKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.DOUBLE);
  }

  static AttributeKey<List<String>> stringArrayKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.STRING_ARRAY);
  }

  static AttributeKey<List<Boolean>> booleanArrayKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.BOOLEAN_ARRAY);
  }

  static AttributeKey<List<Long>> longArrayKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.LONG_ARRAY);
  }

  static AttributeKey<List<Double>> doubleArrayKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.DOUBLE_ARRAY);
  }

  static AttributeKey<Value<?>> valueKey(String key) {
    return new StandInAttributeKey<>(key, AttributeType.VALUE);
  }
}
`,
  StandInAttributeKey: `package io.opentelemetry.api.common;

final class StandInAttributeKey<T> implements AttributeKey<T> {
  private final String key;
  private final AttributeType type;

  StandInAttributeKey(String key, AttributeType type) {
    this.key = key;
    this.type = type;
  }

  @Override
  public String getKey() {
    return key;
  }

  @Override
  public AttributeType getType() {
    return type;
  }
}
`,
  AttributeType: `package io.opentelemetry.api.common;

/** Stand-in for opentelemetry-api's AttributeType (WeaverGen validation only). */
public enum AttributeType {
  STRING,
  BOOLEAN,
  LONG,
  DOUBLE,
  STRING_ARRAY,
  BOOLEAN_ARRAY,
  LONG_ARRAY,
  DOUBLE_ARRAY,
  VALUE
}
`,
  Value: `package io.opentelemetry.api.common;

/** Stand-in for opentelemetry-api's Value (WeaverGen validation only). */
public interface Value<T> {
  T getValue();
}
`,
};

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 300) ?? '';

/** javac @argfiles split on whitespace unless quoted; backslashes escape inside quotes. */
function argfileQuote(p: string): string {
  return /[\s"'\\#]/.test(p) ? `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : p;
}

/**
 * `path/File.java:12: error: message` (then the source line and a caret line), and file-less
 * `warning: [options] ...` / `error: ...` lines. The summary lines ("1 error") are skipped.
 */
export function parseJavacOutput(text: string): ToolDiagnostic[] {
  const lines = text.replace(/\r/g, '').split('\n');
  const out: ToolDiagnostic[] = [];
  for (let i = 0; i < lines.length; i++) {
    const located = /^(.+?\.java):(\d+): (error|warning): (.*)$/.exec(lines[i]);
    if (located) {
      const d: ToolDiagnostic = {
        file: located[1],
        line: Number(located[2]),
        column: 0,
        severity: located[3] as 'error' | 'warning',
        message: located[4],
      };
      // the source line, then a line with only spaces and '^' under the column
      for (let k = i + 1; k <= i + 3 && k < lines.length; k++) {
        const caret = /^(\s*)\^\s*$/.exec(lines[k]);
        if (caret) {
          d.column = caret[1].length + 1;
          break;
        }
        if (/\.java:\d+: (error|warning|note): /.test(lines[k])) break;
      }
      out.push(d);
      continue;
    }
    const general = /^(error|warning): (.*)$/.exec(lines[i]);
    if (general)
      out.push({
        file: '',
        line: 0,
        column: 0,
        severity: general[1] as 'error' | 'warning',
        message: general[2],
      });
  }
  return out;
}
