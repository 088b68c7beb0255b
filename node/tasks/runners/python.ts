import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeneratedFile } from '../../generation/index.js';
import { runProcess, withTempDir } from '../../validation/run-process.js';
import { TOOL_PACKAGES } from '../../validation/toolchain.js';
import { TASK_HOME, taskProcess } from './env.js';
import {
  cancelledRun,
  firstLine,
  MAX_TEST_OUTPUT_BYTES,
  neverThrows,
  notValidated,
  outputTooLargeRun,
  summarize,
  type TestHarness,
  type TestOutcome,
  withoutReserved,
} from './types.js';

const PYTHON = process.env.WEAVERGEN_PYTHON || 'python3';

/**
 * The unittest runner, run from a folder of the harness's own outside the answer's.
 *
 * What the code under test cannot do to it:
 * - write its results by printing: they go to a file whose path comes on stdin (read, then stdin is
 *   /dev/null) through a descriptor the runner opened before any user module was imported, written
 *   with a captured `os.write` in a format of its own (hex fields, no json module the answer could
 *   patch); stdout is the answer's and means nothing. (The answer runs in this process: one that
 *   looks for the descriptor in /proc/self/fd can still write records; only a sandbox stops that.)
 * - stand in for the standard library: the runner imports what it uses before the answer's folder
 *   is on sys.path (no PYTHONPATH; `-s`, so no usercustomize either);
 * - replace the assertion machinery: unittest's classes and modules and the builtins are snapshotted
 *   before the test modules (and so the answer) are imported, and compared after loading and after
 *   every test, with the user's test classes and test instances; any replacement fails the run, as
 *   does an attribute added to a watched class or a dunder added to a test class;
 * - bring tests: only test methods whose code is in the user's test files are planned;
 * - make a test disappear: each test file's `Class.test*` methods are read with ast and reported
 *   before anything is imported; one that is then not planned fails;
 * - skip a test: a skip raised while the test runs is a failure (a skip decorator of the user's
 *   counts as before);
 * - end the run early: the end record is written last; without it the harness fails what is missing.
 *
 * Each test gets `limit` seconds through SIGALRM, so a hanging test fails alone and the rest still
 * run; class and module fixtures (setUpClass, setUpModule and their tearDowns) run around their tests.
 */
const RUNNER = `import os, sys
_read, _write, _open, _close, _dup2, _exit = os.read, os.write, os.open, os.close, os.dup2, os._exit


def _stdin():
    chunks = []
    while True:
        b = _read(0, 65536)
        if not b:
            return b"".join(chunks).decode("utf-8")
        chunks.append(b)


_cfg = _stdin().split("\\n")
_out = _open(_cfg[0], os.O_WRONLY | os.O_APPEND)
_limit = float(_cfg[1])
_realpath = os.path.realpath
_paths = [p for p in _cfg[2].split("\\t") if p]
_files = frozenset(_realpath(p) for p in _paths)
_mods = [m for m in _cfg[3:] if m]
del _cfg
_null = _open(os.devnull, os.O_RDONLY)
_dup2(_null, 0)
_close(_null)

import ast, builtins, inspect, signal, traceback, unittest, unittest.case, unittest.loader, unittest.result, unittest.suite, unittest.util

# the standard library above came from python's own folders: only now may the answer's folder
# (the working directory) be searched, so an answer's unittest.py or ast.py never stands in for them
_home = os.getcwd()
sys.path.insert(0, _home)
os.environ["PYTHONPATH"] = _home

_vars, _len, _str, _callable, _getattr, _isinstance, _type, _set, _list, _id = vars, len, str, callable, getattr, isinstance, type, set, list, id
_unwrap, _format_exception_only = inspect.unwrap, traceback.format_exception_only
_signal, _setitimer, _SIGALRM, _ITIMER = signal.signal, signal.setitimer, signal.SIGALRM, signal.ITIMER_REAL
_gettrace, _getprofile, _modules = sys.gettrace, sys.getprofile, sys.modules
_TestCase, _TestResult, _FailedTest, _TestLoader = unittest.TestCase, unittest.TestResult, unittest.loader._FailedTest, unittest.TestLoader
_BaseException = BaseException


def _hex(s):
    return _str(s).encode("utf-8", "replace").hex()


def _emit(*fields):
    data = (" ".join(fields) + "\\n").encode("ascii")
    while data:
        data = data[_write(_out, data):]


_WATCHED = [
    ("builtins", builtins),
    ("unittest", unittest),
    ("unittest.case", unittest.case),
    ("unittest.loader", unittest.loader),
    ("unittest.result", unittest.result),
    ("unittest.suite", unittest.suite),
    ("unittest.util", unittest.util),
    ("unittest.TestCase", unittest.TestCase),
    ("unittest.TestResult", unittest.TestResult),
    ("unittest.TestLoader", unittest.TestLoader),
    ("unittest.TestSuite", unittest.TestSuite),
    ("unittest.suite.BaseTestSuite", unittest.suite.BaseTestSuite),
    ("unittest.case._Outcome", unittest.case._Outcome),
    ("unittest.case._SubTest", unittest.case._SubTest),
    ("unittest.case._AssertRaisesContext", unittest.case._AssertRaisesContext),
]
_SNAP = [(name, o, dict(_vars(o))) for name, o in _WATCHED]
_METHODS = frozenset(k for k, v in _vars(_TestCase).items() if _callable(v))


def _changed():
    """What was replaced since the snapshots, or None."""
    if _gettrace() is not None or _getprofile() is not None:
        return "a trace or profile function was installed"
    for name, o, snap in _SNAP:
        now = _vars(o)
        for k, v in snap.items():
            if k not in now or now[k] is not v:
                return "%s.%s was replaced" % (name, k)
        # a class gains nothing while tests run (TestCase.__getattribute__ would hand out no-op asserts)
        if _isinstance(o, type) and _len(now) != _len(snap):
            for k in now:
                if k not in snap:
                    return "%s.%s was added" % (name, k)
    for cls, snap in _classes:
        now = _vars(cls)
        for k, v in snap.items():
            if _callable(v) or _isinstance(v, (staticmethod, classmethod, property)):
                if k not in now or now[k] is not v:
                    return "%s.%s was replaced" % (cls.__qualname__, k)
        for k, v in now.items():
            if k in snap:
                continue
            if _callable(v) and (k in _METHODS or k.startswith("test")):
                return "%s.%s was added" % (cls.__qualname__, k)
            # __getattribute__, __getattr__, __setattr__ ... on a test class; copy's __slotnames__ is no harm
            if k.startswith("__") and k.endswith("__") and k != "__slotnames__":
                return "%s.%s was added" % (cls.__qualname__, k)
    return None


def _shadowed(t):
    for k, v in _vars(t).items():
        if _callable(v) and (k in _METHODS or k == t._testMethodName):
            return "%s.%s was replaced on the test instance" % (_type(t).__qualname__, k)
    return None


class _Timeout(_BaseException):
    pass


_fired = [False]


def _alarm(*_):
    _fired[0] = True
    raise _Timeout()


def _timed(fn):
    """fn() under the per-test alarm: None, or what went wrong in one line."""
    _fired[0] = False
    _signal(_SIGALRM, _alarm)
    _setitimer(_ITIMER, _limit)
    try:
        fn()
        # a timeout the test's own machinery caught (TestCase.run records it as an error)
        return "timed out after %gs" % _limit if _fired[0] else None
    except _Timeout:
        return "timed out after %gs" % _limit
    except _BaseException as e:
        lines = [l for l in "".join(_format_exception_only(_type(e), e)).strip().splitlines() if l.strip()]
        return lines[-1] if lines else _type(e).__name__
    finally:
        _setitimer(_ITIMER, 0)


def _flat(s):
    for t in s:
        if _isinstance(t, unittest.TestSuite):
            yield from _flat(t)
        else:
            yield t


def _mine(t):
    """Is the test's method written in one of the user's test files (not brought by the answer)?"""
    if _isinstance(t, _FailedTest):
        return True
    m = _getattr(_type(t), t._testMethodName, None)
    code = _getattr(_unwrap(m), "__code__", None) if m is not None else None
    return code is not None and _realpath(code.co_filename) in _files


def _skipped(t):
    m = _getattr(_type(t), t._testMethodName, None)
    return bool(_getattr(_type(t), "__unittest_skip__", False) or _getattr(m, "__unittest_skip__", False))


def _expected(path, module):
    """Test ids the file declares: test* methods of its top-level classes deriving (within the file)
    from a class named *TestCase, their in-file bases' test methods included. Read with ast before
    anything of the answer is imported, so a test the answer deletes while loading still counts."""
    try:
        with open(path, "rb") as h:
            tree = ast.parse(h.read(), path)
    except Exception:
        return []
    classes = {}
    deleted = _set()
    for node in tree.body:
        if _isinstance(node, ast.Delete):
            # "del Base" after its subclasses: a base the user keeps from running
            deleted.update(t.id for t in node.targets if _isinstance(t, ast.Name))
        elif _isinstance(node, ast.ClassDef):
            deleted.discard(node.name)
            bases = []
            for b in node.bases:
                if _isinstance(b, ast.Name):
                    bases.append(b.id)
                elif _isinstance(b, ast.Attribute):
                    bases.append(b.attr)
            tests = [n.name for n in node.body if _isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]
            classes[node.name] = (bases, tests)

    def case(name, seen):
        if name.endswith("TestCase") and name not in classes:
            return True
        if name not in classes or name in seen:
            return False
        return any(case(b, seen | {name}) for b in classes[name][0])

    def tests(name, seen):
        if name not in classes or name in seen:
            return []
        own = _list(classes[name][1])
        for b in classes[name][0]:
            own += [t for t in tests(b, seen | {name}) if t not in own]
        return own

    return ["%s.%s.%s" % (module, c, t) for c in classes if c not in deleted and case(c, frozenset()) for t in tests(c, frozenset())]


for path, name in zip(_paths, _mods):
    for tid in _expected(path, name):
        _emit("N", _hex(tid), _hex(name))

_classes = []
_loader = _TestLoader()
tests = []
for name in _mods:
    box = []
    err = _timed(lambda: box.extend(_flat(_loader.loadTestsFromName(name))))
    if err is not None:
        _emit("L", _hex(name), _hex(err))
        continue
    tests.extend(t for t in box if _mine(t))
seen = _set()
for t in tests:
    for cls in _type(t).__mro__:
        if cls is _TestCase or cls is object:
            break
        if _id(cls) not in seen:
            seen.add(_id(cls))
            _classes.append((cls, dict(_vars(cls))))
static = [_skipped(t) for t in tests]
for t, s in zip(tests, static):
    _emit("P", _hex(t.id()), "1" if s else "0")
bad = _changed()
if bad is not None:
    _emit("X", _hex(bad))
    _emit("E")
    _exit(0)


def _fixture(owner, name):
    fn = _getattr(owner, name, None)
    return _timed(fn) if fn is not None else None


cls_failed = {}
current_cls = None
current_mod = None
mod_failed = None
pending = None


def _flush(extra=None):
    global pending
    if pending is None:
        return
    tid, ok, msg = pending
    if extra is not None and ok:
        ok, msg = False, extra
    _emit("R", _hex(tid), "1" if ok else "0", _hex(msg or ""))
    pending = None


def _leave_class():
    if current_cls is None or current_cls in cls_failed:
        return None
    return _fixture(current_cls, "tearDownClass") or _timed(current_cls.doClassCleanups)


for t, static_skip in zip(tests, static):
    cls = _type(t)
    if cls is not current_cls:
        err = _leave_class()
        if err is not None:
            _flush("tearDownClass failed: " + err)
        mod = _modules.get(cls.__module__)
        if mod is not current_mod:
            if current_mod is not None and mod_failed is None:
                err = _fixture(current_mod, "tearDownModule") or _timed(unittest.case.doModuleCleanups)
                if err is not None:
                    _flush("tearDownModule failed: " + err)
            current_mod = mod
            mod_failed = None if mod is None else _fixture(mod, "setUpModule")
        _flush()
        current_cls = cls
        if mod_failed is None and not _isinstance(t, _FailedTest) and not _getattr(cls, "__unittest_skip__", False):
            err = _fixture(cls, "setUpClass")
            if err is not None:
                cls_failed[cls] = err
                _timed(cls.doClassCleanups)
    else:
        _flush()
    if mod_failed is not None:
        pending = (t.id(), False, "setUpModule failed: " + mod_failed)
        continue
    if cls in cls_failed:
        pending = (t.id(), False, "setUpClass failed: " + cls_failed[cls])
        continue
    r = _TestResult()
    err = _timed(lambda: t.run(r))
    bad = _changed() or _shadowed(t)
    if bad is not None:
        _emit("X", _hex(bad))
        _emit("E")
        _exit(0)
    failed = r.failures + r.errors + [(x, "unexpected success") for x in r.unexpectedSuccesses]
    msg = None
    if err is not None:
        msg = err
    elif failed:
        lines = [l for l in _str(failed[0][1]).strip().splitlines() if l.strip()]
        msg = lines[-1] if lines else "failed"
    elif r.skipped and not static_skip:
        msg = "skipped while it ran (a skip of the code under test is not a pass): %s" % r.skipped[0][1]
    pending = (t.id(), msg is None, msg)
err = _leave_class()
_flush(None if err is None else "tearDownClass failed: " + err)
if current_mod is not None and mod_failed is None:
    _fixture(current_mod, "tearDownModule")
    _timed(unittest.case.doModuleCleanups)
bad = _changed()
if bad is not None:
    _emit("X", _hex(bad))
_emit("E")
_exit(0)
`;

/**
 * The runner's old name in the answer's folder stays reserved (the runner now lives outside it), so
 * no answer or test file takes it.
 */
const RUNNER_FILE = '__weavergen_runner.py';
/** written by the harness: an answer's file there is dropped */
const RESERVED = [RUNNER_FILE, `${TASK_HOME}/`];
/** a pyenv or virtualenv python finds its interpreter through these */
const PASS_ENV = ['PYENV_ROOT', 'PYENV_VERSION', 'VIRTUAL_ENV', 'PYTHONHOME'];

/** Module name of a test file: `tests/test_sum.py` -> `tests.test_sum`. */
const moduleOf = (path: string) => path.replace(/\.py$/, '').replace(/\//g, '.');

/** Every file's syntax, alone: `file:line:col: SyntaxError: message` per error (the compiler py_compile runs). */
const CHECK = `import sys
for f in sys.argv[1:]:
    try:
        with open(f, "rb") as h:
            compile(h.read(), f, "exec", dont_inherit=True)
    except SyntaxError as e:
        print("%s:%s:%s: %s: %s" % (f, e.lineno or 1, e.offset or 1, type(e).__name__, e.msg), flush=True)
    except ValueError as e:
        print("%s:1:1: %s: %s" % (f, type(e).__name__, e), flush=True)
`;

/** py_compile on every file, then the unittest runner above on the test modules. */
export function createPythonHarness(): TestHarness {
  return {
    language: 'python',
    howTestsRun:
      'The files are byte-compiled with py_compile, then the test module is run with unittest (python3) from the folder holding all the files.',
    reservedPaths: RESERVED,
    checkTests: (tests, options) => checkPythonTests(tests, options?.signal),
    run: neverThrows(
      (tests) => tests.map((t) => t.path),
      async (files, tests, options) => {
        const started = performance.now();
        const names = () => tests.map((t) => t.path);
        const answer = withoutReserved(files, RESERVED);
        const all: GeneratedFile[] = [...answer, ...tests];
        return withTempDir('task-py', all, async (dir) => {
          const py = all.filter((f) => f.path.endsWith('.py')).map((f) => f.path);
          // no PYTHONPATH: the runner adds the answer's folder itself once the standard library it
          // uses is loaded (an answer's unittest.py would otherwise be the runner's unittest)
          const proc = await taskProcess(dir, { PYTHONDONTWRITEBYTECODE: '1' }, PASS_ENV);
          // -I: not the working directory's py_compile.py, not the user's site folder
          const c = await runProcess(PYTHON, ['-I', '-m', 'py_compile', ...py], {
            ...proc,
            timeoutMs: 60_000,
            signal: options.signal,
          });
          if (c.notFound)
            return notValidated(
              `${PYTHON} not found (Debian package: ${TOOL_PACKAGES.python})`,
              names(),
              started,
            );
          if (c.cancelled || options.signal?.aborted) return cancelledRun(names(), started);
          const compiled = c.code === 0;
          const diagnostics = compiled ? [] : compileErrors(c.stderr);
          const testsPy = tests.filter((t) => t.path.endsWith('.py'));
          const limit = options.maxOutputBytes ?? MAX_TEST_OUTPUT_BYTES;
          const control = await mkdtemp(join(tmpdir(), 'weavergen-task-py-run-'));
          try {
            const runner = join(control, 'runner.py');
            const results = join(control, `${randomBytes(16).toString('hex')}.out`);
            await writeFile(runner, RUNNER);
            await writeFile(results, '', { mode: 0o600 });
            const perTest = Math.max(0.1, options.timeoutMs / 1000);
            const killMs = options.timeoutMs * 3 + 10_000;
            // -s: no usercustomize from the run's HOME; sys.path[0] is the runner's own folder
            const r = await runProcess(PYTHON, ['-s', runner], {
              ...proc,
              // the results file's path never reaches the code under test's argv or environment
              stdin: [
                results,
                String(perTest),
                testsPy.map((t) => join(dir, t.path)).join('\t'),
                ...testsPy.map((t) => moduleOf(t.path)),
                '',
              ].join('\n'),
              // the per-test alarm does the work; this catches what SIGALRM cannot interrupt
              timeoutMs: killMs,
              signal: options.signal,
              maxOutputBytes: limit,
              captureBytes: 64 * 1024,
            });
            if (r.cancelled) return cancelledRun(names(), started);
            const size = await stat(results).then(
              (s) => s.size,
              () => 0,
            );
            if (r.outputTooLarge || size > limit) return outputTooLargeRun(names(), limit, started, compiled);
            const records = await readFile(results, 'utf8').catch(() => '');
            const tested = judgeRecords(records, {
              modules: new Map(testsPy.map((t) => [moduleOf(t.path), t.path])),
              testFiles: names(),
              code: r.code,
              timedOut: r.timedOut,
              stderr: r.stderr,
            });
            return summarize(compiled, diagnostics, tested, r.timedOut, started);
          } finally {
            await rm(control, { recursive: true, force: true });
          }
        });
      },
    ),
  };
}

/** The test files alone, compiled by python3 (syntax only: the code they import is not written yet). */
async function checkPythonTests(tests: GeneratedFile[], signal?: AbortSignal): Promise<string[]> {
  const py = tests.filter((t) => t.path.endsWith('.py')).map((t) => t.path);
  if (py.length === 0) return [];
  return withTempDir('task-py-check', tests, async (dir) => {
    const r = await runProcess(PYTHON, ['-c', CHECK, ...py], {
      ...(await taskProcess(dir, { PYTHONDONTWRITEBYTECODE: '1' }, PASS_ENV)),
      timeoutMs: 60_000,
      signal,
    });
    // no python3 (the run will say so), or a check that did not finish: nothing to refuse
    if (r.notFound || r.timedOut || r.cancelled) return [];
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  });
}

const fail = (tests: string[], message: string): TestOutcome[] =>
  tests.map((name) => ({ name, passed: false, message }));

/** `File "sum.py", line 3` ... `SyntaxError: ...` -> `sum.py:3: SyntaxError: ...` */
function compileErrors(stderr: string): string[] {
  const where = /File "([^"]+)", line (\d+)/.exec(stderr);
  const what = stderr
    .split('\n')
    .filter((l) => /^\w*(Error|Exception)\b/.test(l.trim()))
    .pop();
  return [`${where ? `${where[1]}:${where[2]}: ` : ''}${firstLine(what ?? stderr) || 'py_compile failed'}`];
}

const unhex = (h = '') => Buffer.from(h, 'hex').toString('utf8');

export interface PythonJudgeContext {
  /** test module -> its file, for a module that did not load */
  modules: Map<string, string>;
  /** the test files: what fails when nothing was planned */
  testFiles: string[];
  code: number | null;
  timedOut: boolean;
  stderr: string;
}

/**
 * Outcomes from the runner's records (`N` test a test file declares, read with ast before the answer
 * was imported; `P` planned test, `L` module that did not load, `R` result, `X` tampering, `E` end),
 * checked against how the process ended: a declared test that was never planned fails as gone; a
 * planned test without a result fails as not finished; a run without its end record never passes
 * whole; tampering or an exit status that contradicts the end record fails every test.
 */
export function judgeRecords(records: string, c: PythonJudgeContext): TestOutcome[] {
  const planned: string[] = [];
  /** test ids the test files declare (read before the answer was imported) -> their module */
  const declared = new Map<string, string>();
  const results = new Map<string, TestOutcome>();
  const loads: TestOutcome[] = [];
  const unloaded = new Set<string>();
  let tampered: string | undefined;
  let ended = false;
  for (const line of records.split('\n')) {
    const [kind, a, b, m] = line.split(' ');
    if (kind === 'P' && a) planned.push(unhex(a));
    else if (kind === 'N' && a) declared.set(unhex(a), unhex(b));
    else if (kind === 'R' && a) {
      const ok = b === '1';
      results.set(unhex(a), {
        name: unhex(a),
        passed: ok,
        ...(ok ? {} : { message: firstLine(unhex(m) || 'failed') }),
      });
    } else if (kind === 'L' && a) {
      const mod = unhex(a);
      unloaded.add(mod);
      loads.push({
        name: c.modules.get(mod) ?? mod,
        passed: false,
        message: `the test file failed to load: ${firstLine(unhex(b))}`,
      });
    } else if (kind === 'X') tampered = firstLine(unhex(a)) || 'the test machinery was changed';
    else if (kind === 'E') ended = true;
  }
  const lastErr = firstLine(c.stderr.split('\n').filter(Boolean).pop() ?? '');
  const early = c.timedOut
    ? 'did not finish: the run was killed at its timeout'
    : `did not finish: the test process ended early (exit ${c.code ?? 'by a signal'})${lastErr ? `: ${lastErr}` : ''}`;
  let out: TestOutcome[] = [
    ...planned.map(
      (id) => results.get(id) ?? { name: id, passed: false, message: ended ? 'no result reported' : early },
    ),
    ...loads,
  ];
  // a declared test the loaded module no longer had (deleted or replaced while the answer loaded)
  const plannedSet = new Set(planned);
  for (const [id, mod] of declared)
    if (!plannedSet.has(id) && !unloaded.has(mod))
      out.push({ name: id, passed: false, message: 'not run: the test disappeared before the run' });
  if (out.length === 0) out = fail(c.testFiles, ended ? 'no test found in the test files' : lastErr || early);
  const all = (message: string) => out.map((o) => ({ name: o.name, passed: false, message }));
  if (tampered !== undefined)
    return all(`not judged: the code under test tampered with the test machinery (${tampered})`);
  if (ended && c.code !== 0 && !c.timedOut)
    return all(`not judged: the test process exited with ${c.code ?? 'a signal'} after its report`);
  if (!ended && out.every((o) => o.passed))
    return [...out, { name: c.testFiles[0] ?? 'tests', passed: false, message: early }];
  return out;
}
