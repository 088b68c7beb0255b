import { randomUUID } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { type ProcessResult, runProcess, withTempDir } from '../../validation/run-process.js';
import { TOOL_PACKAGES } from '../../validation/toolchain.js';
import { TASK_HOME, taskProcess } from './env.js';
import { checkJavaTests, javacErrors } from './java-check.js';
import {
  HARNESS_MAIN,
  harnessClasses,
  type JavaRecord,
  newKey,
  newNonce,
  readJavaRecords,
} from './java-results.js';
import {
  cancelledRun,
  failAll,
  firstLine,
  MAX_TEST_OUTPUT_BYTES,
  neverThrows,
  notCompiled,
  notValidated,
  outputTooLargeRun,
  seconds,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

/** read at each run, so a test can point them elsewhere */
const javac = () => process.env.WEAVERGEN_JAVAC || 'javac';
const java = () => process.env.WEAVERGEN_JAVA || 'java';
/** Debian's junit5 package; WEAVERGEN_JUNIT_JAR points elsewhere (read at each run). */
export const DEFAULT_JUNIT_JAR = '/usr/share/java/junit-platform-console-standalone.jar';
const junitJar = () => process.env.WEAVERGEN_JUNIT_JAR || DEFAULT_JUNIT_JAR;
export const JUNIT_MISSING = 'junit-platform-console-standalone.jar not found (apt-get install junit5)';
const COMPILE_MS = 120_000;
/** English messages whatever the machine's locale */
const ENV = { LC_ALL: 'C', LANG: 'C' };
const PASS_ENV = ['JAVA_HOME'];
/** classes and reports are written outside the temp dir: only HOME is the harness's there */
const RESERVED = [`${TASK_HOME}/`];

/**
 * javac on every .java file against the JUnit console launcher jar, then the harness's own main
 * class (see java-results.ts) runs the test files' classes on the JUnit platform (JUnit Jupiter only;
 * a class path scan when none is found, so test classes the answer wrote neither run nor count) with
 * a per-test timeout in a separate thread (a busy loop is abandoned, not waited for). The outcomes
 * are signed records in a file outside the answer's folder whose path and key the harness's main
 * reads from a file it deletes before any class of the answer's is loaded; they must agree with the
 * JVM's exit code, and a test file's @Test JUnit did not report fails (see judgeRecords). A halt or
 * exit before the run's end leaves the tests without a result, which fail. The process itself is
 * killed at a backstop timeout. Code under test gets a clean environment (no API keys).
 */
export function createJavaHarness(): TestHarness {
  return {
    language: 'java',
    howTestsRun:
      'All .java files are compiled together with javac (Java 17, standard library and JUnit 5 on the class path), then the JUnit 5 console launcher runs the @Test methods of the test class; a public class goes in the file named after it.',
    reservedPaths: RESERVED,
    checkTests: (tests, options) => checkJavaTests(tests, options?.signal),
    run: neverThrows(planOf, async (files, tests, options) => {
      const started = performance.now();
      const names = planOf(tests);
      const classes = testClasses(tests);
      const jar = junitJar();
      if (
        !(await access(jar)
          .then(() => true)
          .catch(() => false))
      )
        return notValidated(JUNIT_MISSING, names, started);
      const answer = withoutReserved(files, RESERVED);
      // classes and reports go to a folder of their own, outside the answer's files: a report the
      // answer planted (or a class it shipped) is never read
      const work = await mkdtemp(join(tmpdir(), 'weavergen-task-java-out-'));
      try {
        const out = join(work, 'classes');
        return await withTempDir('task-java', [...answer, ...tests], async (dir) => {
          const proc = await taskProcess(dir, ENV, PASS_ENV);
          const sources = [...answer, ...tests].map((f) => f.path).filter((p) => p.endsWith('.java'));
          const c = await runProcess(
            javac(),
            ['-d', out, '-cp', jar, '-encoding', 'UTF-8', '-Xlint:none', '-nowarn', '-proc:none', ...sources],
            { ...proc, timeoutMs: COMPILE_MS, signal: options.signal },
          );
          if (c.notFound)
            return notValidated(
              `${javac()} not found (Debian package: ${TOOL_PACKAGES.java})`,
              names,
              started,
            );
          if (c.cancelled) return cancelledRun(names, started);
          if (c.code !== 0)
            return notCompiled(
              'javac',
              c,
              javacErrors(`${c.stderr}\n${c.stdout}`),
              names,
              COMPILE_MS,
              started,
            );
          if (options.signal?.aborted) return cancelledRun(names, started);
          // the harness's main class, first on the class path; its secrets in a file it deletes at once
          let harness: Map<string, Buffer>;
          try {
            harness = await harnessClasses(javac(), jar);
          } catch (e) {
            return notValidated(firstLine(String((e as Error).message)), names, started);
          }
          const harnessDir = join(work, 'harness');
          for (const [path, bytes] of harness) {
            await mkdir(dirname(join(harnessDir, path)), { recursive: true });
            await writeFile(join(harnessDir, path), bytes);
          }
          const key = newKey();
          const nonce = newNonce();
          const results = join(work, `results-${randomUUID()}`);
          const secret = join(work, `secret-${randomUUID()}`);
          await writeFile(secret, `${key}\n${nonce}\n${results}\n`, { mode: 0o600 });
          const backstop = options.timeoutMs * Math.max(3, names.length + 1) + 30_000;
          const limit = options.maxOutputBytes ?? MAX_TEST_OUTPUT_BYTES;
          const r = await runProcess(
            java(),
            [
              '-XX:TieredStopAtLevel=1',
              '-XX:+UseSerialGC',
              '-cp',
              [harnessDir, jar, out].join(delimiter),
              HARNESS_MAIN,
              secret,
              // the test files' classes (their @Nested classes with them), not test classes of the answer
              ...(classes.length ? classes.map((c) => `-s${c}`) : [`-p${out}`]),
              ...(await shadowChecks(out, tests)),
              `-cjunit.jupiter.execution.timeout.default=${Math.max(1, Math.round(options.timeoutMs))}ms`,
              '-cjunit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD',
            ],
            { ...proc, timeoutMs: backstop, signal: options.signal, maxOutputBytes: limit },
          );
          if (r.notFound)
            return notValidated(
              `${java()} not found (Debian package: ${TOOL_PACKAGES.java})`,
              names,
              started,
            );
          if (r.cancelled) return cancelledRun(names, started);
          const size = await stat(results).then(
            (x) => x.size,
            () => 0,
          );
          // what it printed and what the harness recorded, each over the limit
          if (r.outputTooLarge || size > limit) return outputTooLargeRun(names, limit, started);
          const text = await readFile(results, 'utf8').catch(() => '');
          const verified = readJavaRecords(text, key, nonce);
          const tested = verified.problem
            ? failAll(names, `not run: the test results were tampered with (${verified.problem})`)
            : judgeRecords(verified.records, r, names, seconds(backstop));
          return summarize(
            true,
            [],
            tested,
            r.timedOut || tested.some((o) => /timed out/.test(o.message ?? '')),
            started,
          );
        });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }),
  };
}

/**
 * The harness's records (see java-results.ts), checked against the JVM's exit code (the harness exits
 * 1 when a test failed, else 0, after its end record) and against the test files' @Test methods (one
 * JUnit did not report failed). Without the end record the run was cut short (a halt, an exit, a
 * crash, the backstop): the tests JUnit had reported keep their outcome, the others fail.
 */
export function judgeRecords(
  records: JavaRecord[],
  r: Pick<ProcessResult, 'code' | 'timedOut' | 'stderr' | 'stdout'>,
  expected: string[],
  backstop: string,
): TestOutcome[] {
  const outcomes: TestOutcome[] = [];
  const reported: string[] = [];
  const containers: string[] = [];
  let end: { tests: number; failed: number } | undefined;
  const shadows = records.filter((x): x is Extract<JavaRecord, { k: 'shadow' }> => x.k === 'shadow');
  if (shadows.length) {
    const [x] = shadows;
    return failAll(
      expected,
      `not run: the class ${x.name} of the answer shadows ${x.of}, which the tests import by package (rename the class)`,
    );
  }
  for (const rec of records) {
    if (rec.k === 'end') end = rec;
    else if (rec.k === 'skip') reported.push(rec.name);
    else if (rec.k === 'container')
      containers.push(failureText(rec.type ?? '', rec.message ?? undefined, rec.trace ?? ''));
    else if (rec.k === 'test') {
      reported.push(rec.name);
      outcomes.push(
        rec.status === 'SUCCESSFUL'
          ? { name: rec.name, passed: true }
          : {
              name: rec.name,
              passed: false,
              message: failureText(rec.type ?? '', rec.message ?? undefined, rec.trace ?? ''),
            },
      );
    }
  }
  const exit = r.timedOut ? '(killed)' : `${r.code ?? '(killed by a signal)'}`;
  if (end && !r.timedOut && (r.code !== (end.failed > 0 ? 1 : 0) || end.tests !== outcomes.length)) {
    const message = `the JVM's exit code ${exit} contradicts the harness's results (${end.failed ? 'a test failed' : 'every test passed'}): the test run was cut short`;
    return failAll(expected, message);
  }
  const cut = end
    ? undefined
    : r.timedOut
      ? `did not finish: the JUnit run was killed after ${backstop}`
      : `no report of the test run: the JVM exited (code ${exit}) before JUnit finished${firstLine(r.stderr) ? `: ${firstLine(r.stderr)}` : ''}`;
  const notRun =
    cut ?? (containers.length ? `not run: ${containers[0]}` : 'not run: JUnit did not report it');
  for (const name of expected) {
    const m = /^(.*)\.(\w+)\(\)$/.exec(name);
    const is = m
      ? (n: string) =>
          n === name ||
          (n.startsWith(m[1]) && /^(\$[\w$]+)?\./.test(n.slice(m[1].length)) && n.includes(`.${m[2]}(`))
      : (n: string) => n === name;
    if (!reported.some(is)) outcomes.push({ name, passed: false, message: notRun });
  }
  return outcomes;
}

/** packages whose types an answer's class must not stand in for */
const GUARDED = /^(java|javax|jdk|org\.junit|org\.opentest4j|org\.apiguardian)\./;
/**
 * the types tests assert with or compute expected values with; another name (`Order`, `Stack`) may
 * well be the class the task asks for, which the tests mean by it
 */
const SENSITIVE = new Set([
  'Assertions',
  'Assumptions',
  'Assert',
  'Math',
  'StrictMath',
  'Integer',
  'Long',
  'Short',
  'Byte',
  'Double',
  'Float',
  'Boolean',
  'Character',
  'String',
  'StringBuilder',
  'Object',
  'System',
  'Objects',
  'Arrays',
  'Collections',
  'List',
  'Map',
  'Set',
  'Optional',
  'BigInteger',
  'BigDecimal',
]);

/**
 * A class of the answer's in a test file's package takes the place of a type of the same name that
 * the test imports with `import pkg.*;` (or java.lang's): `class Math` would answer for `Math.max`,
 * `class Assertions` for JUnit's. Checked for the SENSITIVE names. `-xName=pkg1,pkg2` for each such class; the harness's main looks the
 * names up before anything runs and refuses the run when one exists.
 */
async function shadowChecks(out: string, tests: { path: string; content: string }[]): Promise<string[]> {
  const compiled: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.class') && !e.name.includes('$'))
        compiled.push(relative(out, p).slice(0, -6));
    }
  };
  await walk(out);
  const declared = new Set(
    tests.flatMap((t) =>
      [...t.content.matchAll(/\b(?:class|interface|enum|record)\s+(\w+)/g)].map((m) => m[1]),
    ),
  );
  const checks = new Map<string, Set<string>>();
  for (const t of tests.filter((x) => x.path.endsWith('.java'))) {
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(t.content)?.[1] ?? '';
    const onDemand = [
      'java.lang',
      ...[...t.content.matchAll(/^\s*import\s+([\w.]+)\.\*\s*;/gm)]
        .map((m) => m[1])
        .filter((q) => GUARDED.test(`${q}.`)),
    ];
    const single = new Set([...t.content.matchAll(/^\s*import\s+[\w.]+\.(\w+)\s*;/gm)].map((m) => m[1]));
    for (const c of compiled) {
      const at = c.lastIndexOf(sep);
      const cPkg = at < 0 ? '' : c.slice(0, at).split(sep).join('.');
      const name = c.slice(at + 1);
      if (cPkg !== pkg || !SENSITIVE.has(name) || declared.has(name) || single.has(name)) continue;
      const set = checks.get(name) ?? new Set<string>();
      for (const q of onDemand) set.add(q);
      checks.set(name, set);
    }
  }
  return [...checks].map(([name, pkgs]) => `-x${name}=${[...pkgs].join(',')}`);
}

/** `SumTest.adds()` for each @Test-like method of the test files (named this way before anything runs). */
function planOf(tests: { path: string; content: string }[]): string[] {
  const names: string[] = [];
  for (const t of tests) {
    if (!t.path.endsWith('.java')) continue;
    const cls = /\bclass\s+(\w+)/.exec(t.content)?.[1] ?? t.path.replace(/^.*\//, '').replace(/\.java$/, '');
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(t.content)?.[1];
    for (const m of t.content.matchAll(
      /@(?:[\w.]+\.)?(?:Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\b[^;]*?[\w>\]]\s+(\w+)\s*\(/g,
    ))
      names.push(`${pkg ? `${pkg}.` : ''}${cls}.${m[1]}()`);
  }
  return names.length ? names : tests.map((t) => t.path);
}

/** The top-level classes the test files declare, with their package: `com.x.SumTest`. */
function testClasses(tests: { path: string; content: string }[]): string[] {
  return tests
    .filter((t) => t.path.endsWith('.java'))
    .flatMap((t) => {
      const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(t.content)?.[1];
      // top level: the declaration starts its line with no indentation
      return [...t.content.matchAll(/^(?:(?:public|final|abstract)\s+)*class\s+(\w+)/gm)].map(
        (m) => `${pkg ? `${pkg}.` : ''}${m[1]}`,
      );
    });
}

/** assertion failures speak for themselves; other exceptions get their type: `NullPointerException: ...` */
const ASSERTION = /(^|\.)(AssertionFailedError|AssertionError|MultipleFailuresError)$/;

/** `expected: <5> but was: <6> (at SumTest.java:8)`, `NullPointerException: ... (at Sum.java:3)` */
function failureText(type: string, message: string | undefined, trace: string): string {
  const said = message ?? trace.split('\n')[0].replace(/^[\w.$]+(: )?/, '');
  const simple = type.split('.').pop() ?? '';
  const text = ASSERTION.test(type) || !simple ? said : said ? `${simple}: ${said}` : simple;
  const at = [...trace.matchAll(/^\s*at (?:[^\s(/]+\/+)?([\w$.<>]+)\(([\w$-]+\.java):(\d+)\)/gm)].find(
    (x) => !/^(org\.junit|org\.opentest4j|java\.|javax\.|jdk\.|sun\.|weavergen\.harness\.)/.test(x[1]),
  );
  return firstLine(`${text || 'failed'}${at ? ` (at ${at[2]}:${at[3]})` : ''}`);
}

export { javacErrors };
