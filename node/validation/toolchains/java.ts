import { writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
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
 */
export function createJavaToolchain(init: { command?: string } = {}): Toolchain {
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
      return withTempDir('java', files, async (dir) => {
        // an @argfile keeps the command line short whatever the number of files
        await writeFile(join(dir, '.weavergen-sources'), `${sources.map(argfileQuote).join('\n')}\n`);
        const args = [
          '-d',
          join(dir, '.weavergen-classes'),
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
        const diagnostics = parseJavacOutput(`${run.stderr}\n${run.stdout}`);
        const failed = diagnostics.some((d) => d.severity === 'error');
        // a tool that failed without a located error (bad flag, crash) still failed: the builder counts one
        if (run.code !== 0 && !failed)
          return result(
            'failed',
            diagnostics,
            `${command} exited with code ${run.code}: ${firstLine(run.stderr) || firstLine(run.stdout) || 'no output'}`,
          );
        return result(failed ? 'failed' : 'passed', diagnostics);
      });
    },
  };
}

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
