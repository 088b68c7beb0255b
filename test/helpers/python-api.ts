import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The python-semconv pack's default output is the official package's layout, whose create_* metric
 * factories import `opentelemetry.metrics` (pip package opentelemetry-api). Without it the validator
 * reports those modules as not validated (never a pass), and a generation keeps the variant without
 * factories (`metrics=constants`) instead, or is exit 1 with the default pinned. The API
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

/** The note for a test's name when Python is imported against the stand-in. */
export const STAND_IN_NOTE =
  ' (opentelemetry-api not installed: Python imported against a stand-in of opentelemetry.metrics)';

/**
 * The environment for a CLI or node process whose Python validation should pass: where the API is
 * not installed, PYTHONPATH with the stand-in first (the Python validator adds PYTHONPATH to the
 * module search path); {} where the real API is there.
 */
export function pythonApiEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (pythonApiInstalled()) return {};
  return { PYTHONPATH: [pythonApiStandIn(), env.PYTHONPATH].filter(Boolean).join(delimiter) };
}

/**
 * pythonApiEnv for this whole process: the CLI and the nodes this test file starts inherit it.
 * Returns what it did, for a test's name: '' when the real API is there, else STAND_IN_NOTE.
 */
export function providePythonApi(): string {
  const env = pythonApiEnv();
  if (!env.PYTHONPATH) return '';
  process.env.PYTHONPATH = env.PYTHONPATH;
  return STAND_IN_NOTE;
}
