import { delimiter } from 'node:path';
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

/** The generated files are written under this package folder; diagnostics are reported relative to it. */
const PACKAGE = 'weavergen_out';
const DRIVER = 'weavergen_check.py';
const MARKER = '@@WEAVERGEN-PYTHON-CHECK@@';

/**
 * The checker run by the real interpreter: `compile()` of every module (syntax errors, and the
 * SyntaxWarning / DeprecationWarning for bad escapes), then, when everything compiled, an import of
 * every module as `weavergen_out.<path>` so import-time failures (bad relative imports, NameErrors,
 * enum mistakes) count too. A module that cannot be imported only because the OpenTelemetry API
 * (`opentelemetry.metrics`, for the metric factories) is not installed is listed in `missing_api`,
 * compiled but not imported: never an error, never a pass. Results come back as one JSON line after
 * a marker, so whatever the generated code prints cannot be mistaken for them. Written for Python 3.8+.
 */
const DRIVER_SOURCE = String.raw`
import importlib, importlib.util, json, os, sys, traceback, warnings

root = os.path.abspath(sys.argv[1])
base = os.path.join(root, ${JSON.stringify(PACKAGE)})
diagnostics = []
seen = set()

def rel(path):
    if not path:
        return None
    try:
        r = os.path.relpath(os.path.abspath(path), base)
    except ValueError:
        return None
    return None if r.startswith('..') else r.replace(os.sep, '/')

def add(file, line, column, severity, message):
    key = (file, line, column, severity, message)
    if key in seen:
        return
    seen.add(key)
    diagnostics.append({'file': file or '', 'line': int(line or 0), 'column': int(column or 0), 'severity': severity, 'message': message})

def add_warnings(caught, fallback):
    for w in caught:
        f = rel(w.filename)
        add(f or fallback, w.lineno if f else 0, 0, 'warning', '%s: %s' % (w.category.__name__, w.message))

paths = []
for d, dirs, names in os.walk(base):
    dirs.sort()
    for n in sorted(names):
        if n.endswith('.py'):
            paths.append(os.path.join(d, n))

def api_installed():
    try:
        return importlib.util.find_spec('opentelemetry.metrics') is not None
    except (ImportError, ValueError):
        return False

api = api_installed()
missing_api = []
compiled = []
for p in paths:
    r = rel(p)
    with open(p, 'rb') as fh:
        source = fh.read()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            compile(source, p, 'exec', dont_inherit=True)
            compiled.append(p)
        except SyntaxError as e:
            add(rel(e.filename) or r, e.lineno, e.offset, 'error', '%s: %s' % (type(e).__name__, e.msg))
        except (ValueError, UnicodeDecodeError) as e:
            add(r, 0, 0, 'error', '%s: %s' % (type(e).__name__, e))
    add_warnings(caught, r)

if len(compiled) == len(paths):
    sys.path.insert(0, root)
    sys.dont_write_bytecode = True
    for p in compiled:
        r = rel(p)
        parts = r[:-3].split('/')
        if parts[-1] == '__init__':
            parts = parts[:-1]
        name = '.'.join([${JSON.stringify(PACKAGE)}] + parts)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try:
                importlib.import_module(name)
            except (KeyboardInterrupt, MemoryError):
                raise
            except BaseException as e:
                if not api and isinstance(e, ImportError) and (e.name or '').split('.')[0] == 'opentelemetry':
                    missing_api.append(r)
                    continue
                file, line = r, 0
                for frame in traceback.extract_tb(e.__traceback__):
                    f = rel(frame.filename)
                    if f:
                        file, line = f, frame.lineno
                if isinstance(e, SyntaxError) and rel(e.filename):
                    file, line = rel(e.filename), e.lineno
                add(file, line, 0, 'error', 'import %s: %s: %s' % (name, type(e).__name__, e))
        add_warnings(caught, r)

sys.stdout.write('\n' + ${JSON.stringify(MARKER)} + json.dumps({'modules': len(paths), 'diagnostics': diagnostics, 'missing_api': missing_api}) + '\n')
sys.stdout.flush()
`;

interface DriverOutput {
  modules: number;
  diagnostics: ToolDiagnostic[];
  /** modules compiled but not imported: they import the OpenTelemetry API, which is not installed */
  missing_api?: string[];
}

/** The Python library the official package's metric factories import, and where it comes from. */
export const PYTHON_API = { module: 'opentelemetry', pip: 'opentelemetry-api' } as const;

/**
 * "not validated: opentelemetry (python) not found ...": the modules that need the OpenTelemetry API
 * were compiled but could not be imported, so the output as a whole is not validated (never a pass).
 */
export function missingApiReason(modules: string[], total: number): string {
  const shown = modules.slice(0, 3).join(', ');
  const more = modules.length > 3 ? ` and ${modules.length - 3} more` : '';
  return (
    `not validated: ${PYTHON_API.module} (python) not found (pip package: ${PYTHON_API.pip}); ` +
    `${modules.length} of ${total} modules need it and were compiled but not imported: ${shown}${more}`
  );
}

export interface PythonToolchainInit {
  /** the interpreter; `python3` by default (a virtual environment's python brings its packages) */
  command?: string;
  /** folders put on the module search path after the output's own (e.g. where opentelemetry-api is) */
  pythonPath?: string[];
}

/**
 * Python through the real interpreter (`python3` by default): every module compiled with warnings
 * on (`-W always`), then imported with the output folder as a package, in a temp dir. Modules that
 * import the OpenTelemetry API when it is not installed make the result `not_validated` (see
 * missingApiReason), unless something else already failed.
 */
export function createPythonToolchain(init: PythonToolchainInit = {}): Toolchain {
  const command = init.command ?? 'python3';
  // PYTHONPATH is read when validating, not when the toolchain is made (it is made at import)
  const extraPath = () =>
    [...(init.pythonPath ?? []), ...(process.env.PYTHONPATH ?? '').split(delimiter)].filter((p) => p !== '');
  return {
    language: 'python',
    tool: command,
    async validate(files: SourceFile[], options: ToolchainOptions = {}): Promise<ToolchainResult> {
      const started = performance.now();
      const result = resultBuilder('python', command, started);
      const py = files.filter((f) => f.path.endsWith('.py'));
      if (py.length === 0) return result('failed', [], 'no Python files in the output');
      const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
      const staged: SourceFile[] = [
        ...py.map((f) => ({ path: `${PACKAGE}/${f.path}`, content: f.content })),
        { path: DRIVER, content: DRIVER_SOURCE },
      ];
      const run = await withTempDir('python', staged, (dir) =>
        runProcess(command, ['-B', '-W', 'always', DRIVER, dir], {
          cwd: dir,
          timeoutMs,
          signal: options.signal,
          env: {
            PYTHONPATH: [dir, ...extraPath()].join(delimiter),
            PYTHONDONTWRITEBYTECODE: '1',
            PYTHONIOENCODING: 'utf-8',
            PYTHONUTF8: '1',
          },
        }),
      );
      if (run.notFound) return result('not_validated', [], notFoundReason('python', command));
      if (run.timedOut) return result('failed', [], `${command} timed out after ${timeoutMs} ms`);
      const parsed = parseDriverOutput(run.stdout);
      if (!parsed) {
        const tail = (run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ');
        return result(
          'failed',
          [],
          `${command} exited with code ${run.code} without a result${tail ? `: ${tail}` : ''}`,
        );
      }
      const errors = parsed.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) return result('failed', parsed.diagnostics);
      const needApi = parsed.missing_api ?? [];
      if (needApi.length > 0)
        return result('not_validated', parsed.diagnostics, missingApiReason(needApi, parsed.modules));
      return result('passed', parsed.diagnostics);
    },
  };
}

function parseDriverOutput(stdout: string): DriverOutput | undefined {
  const at = stdout.lastIndexOf(MARKER);
  if (at < 0) return undefined;
  try {
    const out = JSON.parse(stdout.slice(at + MARKER.length).split('\n')[0]) as DriverOutput;
    return Array.isArray(out.diagnostics) ? out : undefined;
  } catch {
    return undefined;
  }
}
