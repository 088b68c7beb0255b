import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { taskProcess } from './env.js';

/** how long parsing the test files may take before the check gives up (and refuses nothing) */
export const JAVA_CHECK_MS = 60_000;
/** read at each check, as the run reads it */
const javac = () => process.env.WEAVERGEN_JAVAC || 'javac';
/** English messages whatever the machine's locale */
const ENV = { LC_ALL: 'C', LANG: 'C' };
const PASS_ENV = ['JAVA_HOME'];

/**
 * javac stops after parsing, errors or not (JDK 9 and later): nothing is entered or attributed, so
 * neither the classes the model is to write nor the JUnit jar need be there.
 */
const PARSE_ONLY = ['-XDshould-stop.ifError=PARSE', '-XDshould-stop.ifNoError=PARSE'];
/**
 * Compiled along with the tests: it names a type that exists nowhere, which only attribution reports.
 * An error in it means this javac went past parsing (it ignored the flags above), so its other
 * errors may well be the missing code's: then nothing is refused.
 */
const PROBE = 'WeavergenParseProbe';
const PROBE_SOURCE = `class ${PROBE} { ${PROBE}Missing m; }\n`;

/**
 * The test files' syntax, all files in one javac run that only parses (see PARSE_ONLY): `file:line:col:
 * error: message` per error (`';' expected`, `illegal start of expression`, `reached end of file
 * while parsing`, `unclosed string literal`, ...). `cannot find symbol` and `package ... does not
 * exist` for what the answer is to define are never reported: javac does not get that far. Compiled
 * with the run's own options (`-encoding UTF-8`, the same javac), so what it refuses the run would
 * refuse too. No javac, a check killed at its timeout or cancelled, a javac that does not stop after
 * parsing: nothing to refuse (the run reports a missing toolchain itself).
 */
export async function checkJavaTests(tests: GeneratedFile[], signal?: AbortSignal): Promise<string[]> {
  const java = tests.filter((t) => t.path.endsWith('.java'));
  if (java.length === 0) return [];
  const paths = new Set(java.map((t) => posix.normalize(t.path)));
  // the probe and javac's output folder, outside the tests' folder
  const control = await mkdtemp(join(tmpdir(), 'weavergen-task-java-check-'));
  try {
    const probe = join(control, `${PROBE}.java`);
    await writeFile(probe, PROBE_SOURCE);
    return await withTempDir('task-java-check', java, async (dir) => {
      const r = await runProcess(
        javac(),
        [
          '-d',
          join(control, 'classes'),
          '-encoding',
          'UTF-8',
          '-Xlint:none',
          '-nowarn',
          '-proc:none',
          '-implicit:none',
          ...PARSE_ONLY,
          ...java.map((t) => t.path),
          probe,
        ],
        {
          ...(await taskProcess(dir, ENV, PASS_ENV)),
          timeoutMs: JAVA_CHECK_MS,
          signal,
          captureBytes: 256 * 1024,
        },
      );
      if (r.notFound || r.timedOut || r.cancelled || r.code === 0) return [];
      return javaParseErrors(`${r.stderr}\n${r.stdout}`, paths, probe);
    });
  } finally {
    await rm(control, { recursive: true, force: true });
  }
}

/**
 * The located errors of the test files in a parse-only javac run; none at all when the probe has one
 * (javac went past parsing: its errors are not all the user's).
 */
export function javaParseErrors(output: string, files: ReadonlySet<string>, probe: string): string[] {
  const errors = javacErrors(output);
  if (errors.some((e) => e.startsWith(`${probe}:`))) return [];
  return errors.filter((e) => files.has(posix.normalize(e.slice(0, e.indexOf('.java:') + 5))));
}

/**
 * javac's `Sum.java:3: error: incompatible types: ...`, then the source line and a caret under the
 * column, then details (`symbol: method add(int,int)`): `Sum.java:3:46: error: ... (symbol: ...)`.
 */
export function javacErrors(stderr: string): string[] {
  const lines = stderr.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(.+?\.java):(\d+): error: (.*)$/.exec(lines[i]);
    if (!m) continue;
    let col = '';
    const details: string[] = [];
    for (let j = i + 1; j < lines.length && j <= i + 6; j++) {
      const l = lines[j];
      if (/^(.+?\.java):(\d+): (error|warning): /.test(l) || /^\d+ errors?$/.test(l.trim())) break;
      if (!col && /^\s*\^\s*$/.test(l)) col = `${l.indexOf('^') + 1}:`;
      else if (col && /^\s+\w+:\s/.test(l)) details.push(l.trim().replace(/\s+/g, ' '));
    }
    out.push(`${m[1]}:${m[2]}:${col} error: ${m[3]}${details.length ? ` (${details.join('; ')})` : ''}`);
  }
  return out;
}
