import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The python-semconv pack's default output is the official package's layout, whose create_* metric
 * factories import `opentelemetry.metrics` (pip package opentelemetry-api). Without it the validator
 * reports those modules as not validated (never a pass), so a generation of Python is exit 1. The API
 * cannot be installed offline, here or in CI: tests that run the whole pipeline on Python and expect
 * it to pass put a stand-in on PYTHONPATH instead, an `opentelemetry.metrics` holding the names the
 * factories import. It proves every module imports with the names it uses, not the real API's
 * behaviour: python-official.test.ts runs the real API where it is installed.
 */
export const PYTHON_API_NAMES = [
  'Meter',
  'Counter',
  'UpDownCounter',
  'Histogram',
  'ObservableGauge',
  'CallbackOptions',
  'Observation',
];

/** Whether this machine's python3 imports the OpenTelemetry API by itself. */
export const pythonApiInstalled = (): boolean =>
  spawnSync('python3', ['-c', 'import opentelemetry.metrics'], { stdio: 'ignore' }).status === 0;

/** A new folder holding the `opentelemetry.metrics` stand-in, to put on PYTHONPATH. */
export function pythonApiStandIn(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wg-py-api-'));
  mkdirSync(join(dir, 'opentelemetry', 'metrics'), { recursive: true });
  writeFileSync(join(dir, 'opentelemetry', '__init__.py'), '');
  writeFileSync(
    join(dir, 'opentelemetry', 'metrics', '__init__.py'),
    PYTHON_API_NAMES.map((c) => `class ${c}: ...\n`).join(''),
  );
  return dir;
}

/**
 * Where the API is not installed, puts the stand-in on this process's PYTHONPATH, which the CLI and
 * the nodes this test file starts inherit (the Python validator adds PYTHONPATH to the module search
 * path). Returns what it did, for a test's name: '' when the real API is there.
 */
export function providePythonApi(): string {
  if (pythonApiInstalled()) return '';
  const dir = pythonApiStandIn();
  process.env.PYTHONPATH = [dir, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  return ' (opentelemetry-api not installed: Python imported against a stand-in of opentelemetry.metrics)';
}
