import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { TOOL_PACKAGES } from '../../validation/toolchain.js';
import { TASK_HOME, taskProcess } from './env.js';
import {
  cancelledRun,
  firstLine,
  neverThrows,
  notValidated,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

const PYTHON = process.env.WEAVERGEN_PYTHON || 'python3';

/**
 * A tiny unittest runner: prints the plan (every test id), then one JSON line per test; each test gets
 * `timeout` seconds through SIGALRM, so a hanging test fails alone and the rest still run.
 */
const RUNNER = `import json, signal, sys, traceback, unittest
limit = float(sys.argv[1])
def flat(s):
    for t in s:
        if isinstance(t, unittest.TestSuite):
            yield from flat(t)
        else:
            yield t
loader = unittest.TestLoader()
tests = [t for name in sys.argv[2:] for t in flat(loader.loadTestsFromName(name))]
print(json.dumps({"plan": [t.id() for t in tests]}), flush=True)
class Timeout(BaseException):
    pass
fired = [False]
def alarm(*_):
    fired[0] = True
    raise Timeout()
signal.signal(signal.SIGALRM, alarm)
for t in tests:
    fired[0] = False
    r = unittest.TestResult()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        t.run(r)
    except Timeout:
        r.errors.append((t, "Timeout"))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    bad = r.failures + r.errors + [(x, "unexpected success") for x in r.unexpectedSuccesses]
    msg = None
    if fired[0]:
        msg = "timed out after %gs" % limit
    elif bad:
        lines = [l for l in str(bad[0][1]).strip().splitlines() if l.strip()]
        msg = lines[-1] if lines else "failed"
    print(json.dumps({"id": t.id(), "ok": not bad and not fired[0], "message": msg}), flush=True)
`;

const RUNNER_FILE = '__weavergen_runner.py';
/** written by the harness: an answer's file there is dropped */
const RESERVED = [RUNNER_FILE, `${TASK_HOME}/`];
/** a pyenv or virtualenv python finds its interpreter through these */
const PASS_ENV = ['PYENV_ROOT', 'PYENV_VERSION', 'VIRTUAL_ENV', 'PYTHONHOME'];

/** Module name of a test file: `tests/test_sum.py` -> `tests.test_sum`. */
const moduleOf = (path: string) => path.replace(/\.py$/, '').replace(/\//g, '.');

/** py_compile on every file, then the unittest runner above on the test modules. */
export function createPythonHarness(): TestHarness {
  return {
    language: 'python',
    howTestsRun:
      'The files are byte-compiled with py_compile, then the test module is run with unittest (python3) from the folder holding all the files.',
    reservedPaths: RESERVED,
    run: neverThrows(
      (tests) => tests.map((t) => t.path),
      async (files, tests, options) => {
        const started = performance.now();
        const answer = withoutReserved(files, RESERVED);
        // the runner last: it replaces a file of the same name
        const all: GeneratedFile[] = [...answer, ...tests, { path: RUNNER_FILE, content: RUNNER }];
        return withTempDir('task-py', all, async (dir) => {
          const py = [...answer, ...tests].filter((f) => f.path.endsWith('.py')).map((f) => f.path);
          const proc = await taskProcess(dir, { PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: dir }, PASS_ENV);
          const c = await runProcess(PYTHON, ['-m', 'py_compile', ...py], {
            ...proc,
            timeoutMs: 60_000,
            signal: options.signal,
          });
          if (c.notFound)
            return notValidated(
              `${PYTHON} not found (Debian package: ${TOOL_PACKAGES.python})`,
              tests.map((t) => t.path),
              started,
            );
          if (c.cancelled || options.signal?.aborted)
            return cancelledRun(
              tests.map((t) => t.path),
              started,
            );
          const diagnostics = c.code === 0 ? [] : compileErrors(c.stderr);
          const perTest = Math.max(0.1, options.timeoutMs / 1000);
          const mods = tests.filter((t) => t.path.endsWith('.py')).map((t) => moduleOf(t.path));
          const r = await runProcess(PYTHON, [RUNNER_FILE, String(perTest), ...mods], {
            ...proc,
            // the per-test alarm does the work; this catches what SIGALRM cannot interrupt
            timeoutMs: options.timeoutMs * 3 + 10_000,
            signal: options.signal,
          });
          if (r.cancelled)
            return cancelledRun(
              tests.map((t) => t.path),
              started,
            );
          const outcomes = parse(r.stdout, r.timedOut);
          const tested = outcomes.length
            ? outcomes
            : fail(
                tests,
                firstLine(r.stderr.split('\n').filter(Boolean).pop() ?? '') ||
                  `the test run exited with ${r.code}`,
              );
          return summarize(c.code === 0, diagnostics, tested, r.timedOut, started);
        });
      },
    ),
  };
}

const fail = (tests: GeneratedFile[], message: string): TestOutcome[] =>
  tests.map((t) => ({ name: t.path, passed: false, message }));

/** `File "sum.py", line 3` ... `SyntaxError: ...` -> `sum.py:3: SyntaxError: ...` */
function compileErrors(stderr: string): string[] {
  const where = /File "([^"]+)", line (\d+)/.exec(stderr);
  const what = stderr
    .split('\n')
    .filter((l) => /^\w*(Error|Exception)\b/.test(l.trim()))
    .pop();
  return [`${where ? `${where[1]}:${where[2]}: ` : ''}${firstLine(what ?? stderr) || 'py_compile failed'}`];
}

function parse(stdout: string, killed: boolean): TestOutcome[] {
  let plan: string[] = [];
  const done = new Map<string, TestOutcome>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line);
      if (Array.isArray(o.plan)) plan = o.plan;
      else
        done.set(o.id, {
          name: o.id,
          passed: !!o.ok,
          ...(o.ok ? {} : { message: firstLine(o.message ?? 'failed') }),
        });
    } catch {
      // a test printed something that looks like JSON: not ours
    }
  }
  return plan.map(
    (id) =>
      done.get(id) ?? {
        name: id,
        passed: false,
        message: killed ? 'did not finish: the run was killed at its timeout' : 'no result reported',
      },
  );
}
