import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type TS from 'typescript';
import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { TASK_HOME, taskProcess } from './env.js';
import {
  cancelledRun,
  firstLine,
  MAX_TEST_OUTPUT_BYTES,
  neverThrows,
  outputTooLargeRun,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

/** node:types come from this package's own @types/node: the temp dir has no node_modules. */
const TYPE_ROOTS = (() => {
  try {
    return [dirname(dirname(createRequire(import.meta.url).resolve('@types/node/package.json')))];
  } catch {
    return undefined;
  }
})();

/**
 * CommonJS output, so `./sum` and `./sum.js` imports both run without a bundler; strict, like the
 * validator's TypeScript check.
 */
const compilerOptions = (ts: typeof TS): TS.CompilerOptions => ({
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
  typeRoots: TYPE_ROOTS,
  lib: ['lib.es2023.d.ts'],
  noEmitOnError: false,
});

/**
 * Written into the answer's folder by the harness: an answer's file there is dropped. The reporter
 * and the runner's other files now live in a folder of their own outside it (see `control`); the
 * reporter's old name stays reserved so no answer can take it.
 */
const RESERVED = ['package.json', '__weavergen_reporter.mjs', `${TASK_HOME}/`];

const isTs = (p: string) => /\.(ts|mts|cts)$/.test(p) && !p.endsWith('.d.ts');
/** test files node runs: TypeScript (compiled first) or JavaScript of any module kind */
const isRunnable = (p: string) => isTs(p) || /\.(js|mjs|cjs)$/.test(p);
/** `sum.test.ts` -> `sum.test.js` (what tsc writes next to it), a JavaScript file as it is */
const emitted = (p: string) => (isTs(p) ? p.replace(/\.(m|c)?ts$/, '.$1js') : p);

/**
 * Type errors in a test file checked alone that the code to be written can resolve: its module is
 * not there yet (so every name from it is `any`), or names it declares globally.
 */
const ANSWER_DEPENDENT = new Set([
  2304, 2305, 2306, 2307, 2339, 2459, 2460, 2503, 2551, 2552, 2580, 2582, 2593, 2614, 2694, 2724, 2792, 7016,
]);

/**
 * Loaded into every test process before the test file and the code under test (`--import`): the
 * assertion library and node:test are frozen (`assert.strictEqual = () => {}` throws in strict code
 * and does nothing otherwise), and the ways to hand a test file another `assert` (Module._load,
 * require, require.cache) are locked.
 */
const FREEZE = `import Module, { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const freeze = (o) => {
  Object.freeze(o);
  for (const k of Reflect.ownKeys(o)) {
    if (k === 'prototype') continue;
    const d = Object.getOwnPropertyDescriptor(o, k);
    const v = d && 'value' in d ? d.value : undefined;
    if ((typeof v === 'function' || (typeof v === 'object' && v !== null)) && !Object.isFrozen(v)) freeze(v);
  }
};
for (const id of ['node:assert', 'node:assert/strict', 'node:test']) freeze(require(id));
const lock = (o, k) => Object.defineProperty(o, k, { writable: false, configurable: false });
lock(Module, '_load');
lock(Module, '_resolveFilename');
lock(Module.prototype, 'require');
for (const id of ['assert', 'assert/strict'])
  Object.defineProperty(Module._cache, id, { get: () => undefined, set() {}, enumerable: false, configurable: false });
`;

/**
 * The file node --test runs for one test file: it loads the user's file (a load error is a failing
 * test of its own), then registers the end marker, which runs after every test the file registered
 * and proves the process got to the end (an early exit, even exit 0, leaves it missing).
 */
const entry = (testFile: string, names: { load: string; end: string }) => `import { test } from 'node:test';
try {
  await import(${JSON.stringify(pathToFileURL(testFile).href)});
} catch (e) {
  test(${JSON.stringify(names.load)}, () => {
    throw e;
  });
}
test(${JSON.stringify(names.end)}, () => {});
`;

interface ReporterConfig {
  /** the user's test files as node runs them (absolute) */
  user: string[];
  /** the entry files (absolute) */
  entries: string[];
  /** bytes of events and of the tests' output before the run is stopped as too large */
  maxBytes: number;
  /** written (synchronously) when the limit is passed, before the process group is killed */
  tooLarge: string;
  /** the file holding the key the reporter signs its lines with: read and deleted as it loads */
  keyFile: string;
}

/**
 * The custom reporter, run by node --test's own process (never by a test process, where the code
 * under test runs): one JSON line per event of the user's test files and of the entry files, to a
 * file of a random name in the harness's folder (`--test-reporter-destination`); events of tests
 * the answer registers from its own modules are dropped. It counts everything the tests print: past
 * the limit it marks the run too large and kills its process group.
 *
 * The test processes can find that file (node --test's command line names it, /proc/<ppid>/fd opens
 * it), so each line is `<hmac> <json>`, numbered (`s`), HMAC-SHA256 with a key the reporter reads
 * from a file and deletes while it loads: node --test awaits its reporters before it starts a test
 * process, so no code under test ever exists while the key is on disk. A line the answer adds does
 * not verify.
 */
const reporter = (c: ReporterConfig) => `import { createHmac } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
const KEY = readFileSync(${JSON.stringify(c.keyFile)});
unlinkSync(${JSON.stringify(c.keyFile)});
let seq = 0;
const signed = (o) => {
  const json = JSON.stringify({ s: seq++, ...o });
  return createHmac('sha256', KEY).update(json).digest('hex') + ' ' + json + '\\n';
};
const USER = new Set(${JSON.stringify(c.user)});
const ENTRIES = new Set(${JSON.stringify(c.entries)});
const MAX = ${c.maxBytes};
const cut = (s, n) => (typeof s === 'string' && s.length > n ? s.slice(0, n) + '…' : s);
const KEEP = new Set(['test:enqueue', 'test:dequeue', 'test:pass', 'test:fail']);
export default async function* (source) {
  let bytes = 0;
  let foreign = 0;
  const stderr = new Map();
  const over = () => {
    writeFileSync(${JSON.stringify(c.tooLarge)}, String(bytes));
    try { process.kill(-process.pid, 'SIGKILL'); } catch {}
    process.kill(process.pid, 'SIGKILL');
  };
  for await (const e of source) {
    const d = e.data ?? {};
    if (e.type === 'test:stdout' || e.type === 'test:stderr') {
      bytes += (d.message ?? '').length;
      if (bytes > MAX) over();
      if (e.type === 'test:stderr' && ENTRIES.has(d.file)) {
        const kept = stderr.get(d.file) ?? '';
        if (kept.length < 4096) stderr.set(d.file, cut(kept + d.message, 4096));
      }
      continue;
    }
    if (!KEEP.has(e.type)) continue;
    if (!USER.has(d.file) && !ENTRIES.has(d.file)) {
      if (e.type === 'test:fail') foreign++;
      continue;
    }
    const err = d.details?.error;
    const msg = err ? cut(String(err.cause?.message ?? err.message ?? err), 2000) : undefined;
    const line = signed({
      t: e.type.slice(5),
      name: cut(d.name, 2000),
      nesting: d.nesting,
      file: d.file,
      suite: d.details?.type === 'suite' || undefined,
      skip: d.skip !== undefined && d.skip !== false ? true : undefined,
      todo: d.todo !== undefined && d.todo !== false ? true : undefined,
      msg,
      exit: err?.exitCode ?? undefined,
      signal: err?.signal ?? undefined,
      stderr: e.type === 'test:fail' && d.name === d.file ? stderr.get(d.file) : undefined,
    });
    bytes += line.length;
    if (bytes > MAX) over();
    yield line;
  }
  yield signed({ t: 'end', foreign });
}
`;

/** tsc through the compiler API, then `node --test` on the user's test files with a reporter of the harness. */
export function createTypescriptHarness(): TestHarness {
  return {
    language: 'typescript',
    howTestsRun:
      'The files are compiled together with the test file by the TypeScript compiler (strict, CommonJS output, @types/node available), then the test file is run with `node --test`.',
    reservedPaths: RESERVED,
    checkTests: (tests) => checkTypescriptTests(tests),
    run: neverThrows(
      (tests) => tests.map((t) => t.path),
      async (files, tests, options) => {
        const started = performance.now();
        const names = () => tests.map((t) => t.path);
        // the compiler takes about a second to load: only a TypeScript task pays for it
        const ts = (await import('typescript')).default;
        const OPTIONS = compilerOptions(ts);
        const testPaths = new Set(tests.map((t) => t.path));
        const answer = withoutReserved(files, RESERVED).filter(
          // an answer's .ts whose output would replace a test file (sum.test.ts over sum.test.js)
          (f) => !(isTs(f.path) && testPaths.has(emitted(f.path))),
        );
        const all: GeneratedFile[] = [
          ...answer,
          ...tests,
          // the harness's own files last: they replace a test file of the same name. No "type": a
          // .js test file may be ESM or CommonJS (node detects which); tsc's output is CommonJS
          { path: 'package.json', content: '{}\n' },
        ];
        return withTempDir('task-ts', all, async (dir) => {
          const roots = all.filter((f) => isTs(f.path)).map((f) => join(dir, f.path));
          const program = ts.createProgram(roots, OPTIONS, compilerHost(ts, OPTIONS, 'run'));
          const pre = ts
            .getPreEmitDiagnostics(program)
            .filter((d) => d.category === ts.DiagnosticCategory.Error);
          const diagnostics = pre.map((d) => located(ts, d, dir));
          const syntax = program.getSyntacticDiagnostics().length > 0;
          if (syntax)
            return summarize(false, diagnostics, missing(tests, 'the code does not parse'), false, started);
          program.emit();
          if (options.signal?.aborted) return cancelledRun(names(), started);
          const runnable = tests.filter((t) => isRunnable(t.path));
          if (runnable.length === 0)
            return summarize(
              pre.length === 0,
              diagnostics,
              missing(tests, 'not run: no test file node can run (.ts, .mts, .cts, .js, .mjs or .cjs)'),
              false,
              started,
            );
          const run = await runTests(dir, runnable, options);
          if (run === 'cancelled') return cancelledRun(names(), started);
          if (run.tooLarge)
            return outputTooLargeRun(
              run.names.length ? run.names : names(),
              run.limit,
              started,
              pre.length === 0,
            );
          return summarize(pre.length === 0, diagnostics, run.outcomes, run.timedOut, started);
        });
      },
    ),
  };
}

/**
 * Parsed and bound declaration files (TypeScript's lib, @types/node) kept across compiles, per set of
 * compiler options: every compile after the first skips them, which is most of its time (about a
 * second on the event loop, a tenth of that with them kept). Only files from those two places.
 */
const declarations = new Map<string, Map<string, TS.SourceFile>>();
function compilerHost(ts: typeof TS, options: TS.CompilerOptions, kind: string): TS.CompilerHost {
  const host = ts.createCompilerHost(options);
  const shared = [dirname(ts.getDefaultLibFilePath(options)), ...(TYPE_ROOTS ?? [])];
  let cache = declarations.get(kind);
  if (!cache) {
    cache = new Map();
    declarations.set(kind, cache);
  }
  const kept = cache;
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) => {
    if (!file.endsWith('.d.ts') || !shared.some((d) => file.startsWith(`${d}/`)))
      return read(file, language, onError, create);
    let sf = kept.get(file);
    if (!sf) {
      sf = read(file, language, onError, create);
      if (sf) kept.set(file, sf);
    }
    return sf;
  };
  return host;
}

const located = (ts: typeof TS, d: TS.Diagnostic, dir: string) => {
  const where =
    d.file && d.start !== undefined
      ? (() => {
          const p = d.file.getLineAndCharacterOfPosition(d.start);
          return `${relative(dir, d.file.fileName)}:${p.line + 1}:${p.character + 1}: `;
        })()
      : '';
  return `${where}TS${d.code}: ${firstLine(ts.flattenDiagnosticMessageText(d.messageText, '\n'))}`;
};

/**
 * The test files compiled alone (the module the model is to write is missing, so names from it are
 * `any`): syntax errors in every file node would run, type errors of the TypeScript ones that do not
 * depend on the missing code.
 */
async function checkTypescriptTests(tests: GeneratedFile[]): Promise<string[]> {
  const runnable = tests.filter((t) => isRunnable(t.path));
  if (runnable.length === 0) return [];
  const ts = (await import('typescript')).default;
  const OPTIONS: TS.CompilerOptions = { ...compilerOptions(ts), allowJs: true, checkJs: false, noEmit: true };
  return withTempDir('task-ts-check', [...tests, { path: 'package.json', content: '{}\n' }], async (dir) => {
    const roots = runnable.map((t) => join(dir, t.path));
    const program = ts.createProgram(roots, OPTIONS, compilerHost(ts, OPTIONS, 'check'));
    const mine = (d: TS.Diagnostic) => !!d.file && roots.includes(d.file.fileName);
    const syntactic = program.getSyntacticDiagnostics().filter(mine);
    if (syntactic.length) return syntactic.map((d) => located(ts, d, dir));
    return roots
      .filter(isTs)
      .flatMap((r) => program.getSemanticDiagnostics(program.getSourceFile(r)))
      .filter((d) => d.category === ts.DiagnosticCategory.Error && !ANSWER_DEPENDENT.has(d.code))
      .map((d) => located(ts, d, dir));
  });
}

const missing = (tests: GeneratedFile[], message: string): TestOutcome[] =>
  tests.map((t) => ({ name: t.path, passed: false, message }));

type Ran =
  | 'cancelled'
  | { tooLarge: true; limit: number; names: string[] }
  | { tooLarge?: false; outcomes: TestOutcome[]; timedOut: boolean };

/**
 * `node --test` on the user's test files only, each through an entry file, with the harness's
 * reporter and the freezing preload, all in a folder of the harness's own outside the answer's (a
 * random name each run: the code under test is never told it), results read from the reporter's file.
 */
async function runTests(
  dir: string,
  tests: GeneratedFile[],
  options: { timeoutMs: number; signal?: AbortSignal; maxOutputBytes?: number },
): Promise<Ran> {
  const control = await mkdtemp(join(tmpdir(), 'weavergen-task-ts-run-'));
  try {
    const nonce = randomBytes(12).toString('hex');
    const marks = { load: `__weavergen_load_${nonce}`, end: `__weavergen_end_${nonce}` };
    const limit = options.maxOutputBytes ?? MAX_TEST_OUTPUT_BYTES;
    const results = join(control, `${randomBytes(16).toString('hex')}.jsonl`);
    const tooLarge = join(control, `${randomBytes(16).toString('hex')}.too-large`);
    const key = randomBytes(32);
    const keyFile = join(control, `${randomBytes(16).toString('hex')}.key`);
    await writeFile(keyFile, key, { mode: 0o600 });
    /** file node reports a test in (absolute) -> the name the model recognises */
    const sources = new Map<string, string>();
    const entries = new Map<string, string>();
    for (const [i, t] of tests.entries()) {
      const file = join(dir, emitted(t.path));
      const e = join(control, `entry-${i}.mjs`);
      sources.set(file, t.path);
      entries.set(e, t.path);
      await writeFile(e, entry(file, marks));
    }
    const preload = join(control, 'freeze.mjs');
    const reporterFile = join(control, 'reporter.mjs');
    await writeFile(preload, FREEZE);
    await writeFile(
      reporterFile,
      reporter({
        user: [...sources.keys()],
        entries: [...entries.keys()],
        maxBytes: limit,
        tooLarge,
        keyFile,
      }),
    );
    const killMs = options.timeoutMs + 10_000;
    const r = await runProcess(
      process.execPath,
      [
        '--test',
        `--import=${pathToFileURL(preload).href}`,
        `--test-reporter=${pathToFileURL(reporterFile).href}`,
        `--test-reporter-destination=${results}`,
        `--test-timeout=${options.timeoutMs}`,
        ...entries.keys(),
      ],
      {
        ...(await taskProcess(dir)),
        timeoutMs: killMs,
        signal: options.signal,
        maxOutputBytes: limit,
        captureBytes: 64 * 1024,
      },
    );
    if (r.cancelled) return 'cancelled';
    const events = await readEvents(results, limit, key);
    if (events === 'too-large') return { tooLarge: true, limit, names: [] };
    if ('tampered' in events)
      return {
        outcomes: missing(tests, `not judged: the test results were tampered with (${events.tampered})`),
        timedOut: r.timedOut,
      };
    const exists = await access(tooLarge).then(
      () => true,
      () => false,
    );
    const judged = judgeEvents(events, {
      sources,
      entries,
      marks,
      code: r.code,
      killed: r.timedOut ? `killed after ${killMs}ms` : undefined,
      stderr: r.stderr,
    });
    if (exists || r.outputTooLarge) return { tooLarge: true, limit, names: judged.map((o) => o.name) };
    return { outcomes: judged, timedOut: r.timedOut };
  } finally {
    await rm(control, { recursive: true, force: true });
  }
}

/**
 * The reporter's lines, streamed (never the whole file in one string) and verified (see `reporter`);
 * `too-large` past the limit, `tampered` when a line does not verify, is out of order or follows the
 * end record. A last line without its newline (a kill cut it) is left out: the end record is then
 * missing too.
 */
async function readEvents(path: string, limit: number, key: Buffer): Promise<Ev[] | 'too-large' | Tampered> {
  const events: Ev[] = [];
  let bytes = 0;
  let pending: string | undefined;
  try {
    const lines = createInterface({
      input: createReadStream(path, { encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    for await (const l of lines) {
      bytes += l.length + 1;
      if (bytes > limit * 2) return 'too-large';
      if (pending !== undefined) {
        const problem = verifyLine(pending, events, key);
        if (problem) return { tampered: problem };
      }
      pending = l;
    }
    // readline gives the last line whether or not it ended with a newline
    if (pending !== undefined && (await endsWithNewline(path))) {
      const problem = verifyLine(pending, events, key);
      if (problem) return { tampered: problem };
    }
  } catch {
    // no report at all: node --test did not get as far as its reporter
  }
  return events;
}

interface Tampered {
  tampered: string;
}

async function endsWithNewline(path: string): Promise<boolean> {
  const h = await open(path, 'r');
  try {
    const { size } = await h.stat();
    if (size === 0) return false;
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await h.close();
  }
}

/** One line of the reporter's checked and added to `events`; what is wrong with it otherwise. */
function verifyLine(line: string, events: Ev[], key: Buffer): string | undefined {
  const n = events.length + 1;
  if (events.at(-1)?.t === 'end') return `line ${n} follows the end record`;
  const sp = line.indexOf(' ');
  const mac = Buffer.from(/^[0-9a-f]{64}$/.test(line.slice(0, sp)) ? line.slice(0, sp) : '', 'hex');
  const json = line.slice(sp + 1);
  const want = createHmac('sha256', key).update(json).digest();
  if (sp < 0 || mac.length !== want.length || !timingSafeEqual(mac, want)) return `line ${n} does not verify`;
  let e: Ev & { s?: number };
  try {
    e = JSON.parse(json) as Ev & { s?: number };
  } catch {
    return `line ${n} is not JSON`;
  }
  if (e.s !== events.length) return `line ${n} is out of order`;
  events.push(e);
  return undefined;
}

export interface Ev {
  t: 'enqueue' | 'dequeue' | 'pass' | 'fail' | 'end';
  name: string;
  nesting: number;
  file?: string;
  suite?: boolean;
  skip?: boolean;
  todo?: boolean;
  msg?: string;
  /** a test file's process: its exit code or signal when it failed */
  exit?: number | null;
  signal?: string | null;
  /** a test file's process: the start of its stderr, when it failed */
  stderr?: string;
  /** the end record: failing tests the answer registered itself (not counted, but they explain exit 1) */
  foreign?: number;
}

export interface JudgeContext {
  /** file node reports a user's test in (absolute) -> its name for the model */
  sources: Map<string, string>;
  /** entry file (absolute) -> the user's test file it runs */
  entries: Map<string, string>;
  marks: { load: string; end: string };
  /** node --test's exit code */
  code: number | null;
  /** set when the run was killed at its timeout */
  killed?: string;
  /** node --test's own stderr */
  stderr: string;
}

/**
 * Leaf tests of the user's files from the reporter's events, checked against how the run ended:
 * - a test that was queued but never reported fails as not finished;
 * - a file whose end marker did not pass (its process exited early, even with 0, or was killed)
 *   fails as one more test named after the file, as does a file that did not load;
 * - node --test's exit status must agree: exit 0 with a failing test, or a failure exit with every
 *   test passed (and no failing test of the answer's own to explain it), fails every test.
 */
export function judgeEvents(events: Ev[], c: JudgeContext): TestOutcome[] {
  const rel = (f?: string) => (f ? (c.sources.get(f) ?? f) : '?');
  const fileFailure = new Map<string, string>();
  const loadFailure = new Map<string, string>();
  const ended = new Set<string>();
  let end: Ev | undefined;
  const parents = new Set<string>();
  const path: string[] = [];
  const keyOf = (e: Ev) => `${rel(e.file)} > ${[...path.slice(0, e.nesting), e.name].join(' > ')}`;
  const order: string[] = [];
  const result = new Map<string, TestOutcome & { todo?: boolean; reported?: boolean }>();
  for (const e of events) {
    if (e.t === 'end') {
      end = e;
      continue;
    }
    const source = e.file !== undefined ? c.entries.get(e.file) : undefined;
    if (source !== undefined) {
      if (e.name === e.file && e.t === 'fail') {
        const how = e.signal ? `killed by ${e.signal}` : e.exit !== undefined ? `exit code ${e.exit}` : '';
        const said = firstLine(e.stderr ?? '') || firstLine(e.msg ?? '');
        fileFailure.set(source, [how, said].filter(Boolean).join(': ') || 'the test process failed');
      } else if (e.name === c.marks.end && e.t === 'pass') ended.add(source);
      else if (e.name === c.marks.load && e.t === 'fail') loadFailure.set(source, e.msg ?? 'it threw');
      continue;
    }
    if (e.file === undefined || !c.sources.has(e.file)) continue;
    const key = keyOf(e);
    if (e.t === 'dequeue') {
      path.length = e.nesting;
      path[e.nesting] = e.name;
      if (e.nesting > 0) parents.add(`${rel(e.file)} > ${path.slice(0, e.nesting).join(' > ')}`);
      continue;
    }
    if (e.t === 'enqueue') {
      if (e.nesting > 0) parents.add(`${rel(e.file)} > ${path.slice(0, e.nesting).join(' > ')}`);
      if (!result.has(key)) order.push(key);
      result.set(key, result.get(key) ?? { name: key, passed: false });
      continue;
    }
    if (e.suite) parents.add(key);
    if (!result.has(key)) order.push(key);
    result.set(key, {
      name: key,
      passed: e.t === 'pass',
      ...(e.t === 'fail' ? { message: firstLine(e.msg ?? 'failed') } : {}),
      ...(e.todo ? { todo: true } : {}),
      reported: true,
    });
  }
  const out: TestOutcome[] = [];
  let reportedFailure = false;
  for (const key of order) {
    if (parents.has(key)) continue;
    const { todo, reported, ...o } = result.get(key)!;
    if (reported && !o.passed && !todo) reportedFailure = true;
    if (!o.passed && o.message === undefined) {
      const file = key.split(' > ')[0];
      const why = ended.has(file) ? 'no result reported' : 'its test file did not run to its end';
      o.message = `did not finish: ${c.killed ?? fileFailure.get(file) ?? why}`;
    }
    out.push(o);
  }
  for (const source of c.entries.values()) {
    const load = loadFailure.get(source);
    // one more failure when nothing of the file failed yet: an early end never passes
    const clean = out.every((o) => o.passed || !o.name.startsWith(`${source} > `));
    if (load !== undefined) {
      reportedFailure = true;
      out.push({ name: source, passed: false, message: `the test file failed to load: ${firstLine(load)}` });
    } else if (!ended.has(source) && clean)
      out.push({
        name: source,
        passed: false,
        message: `did not run to its end: ${c.killed ?? fileFailure.get(source) ?? 'its process exited before its tests ended'}`,
      });
    else if (ended.has(source) && fileFailure.has(source) && clean)
      out.push({
        name: source,
        passed: false,
        message: `the test process failed after its tests: ${fileFailure.get(source)}`,
      });
  }
  if (c.killed) return out;
  const contradiction = (why: string) =>
    out.map((o) => ({ name: o.name, passed: false, message: `not judged: ${why}` }));
  if (c.code === 0 && reportedFailure)
    return contradiction('node --test exited with 0 although a test failed: the report was not its own');
  if (c.code !== 0 && out.length > 0 && out.every((o) => o.passed) && !(end?.foreign ?? 0))
    return contradiction(
      `node --test exited with ${c.code ?? 'a signal'} although every test passed${firstLine(c.stderr) ? `: ${firstLine(c.stderr)}` : ''}`,
    );
  if (!end && out.every((o) => o.passed))
    return contradiction(
      `the test runner ended before its report was complete (exit ${c.code ?? 'by a signal'})${firstLine(c.stderr) ? `: ${firstLine(c.stderr)}` : ''}`,
    );
  return out;
}
