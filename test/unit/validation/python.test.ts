import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { screamingSnakeCase } from '../../../node/generation/case.js';
import {
  generateWithPack,
  type TemplateRegistry,
  toTemplateRegistry,
} from '../../../node/generation/index.js';
import { paramCombinations } from '../../../node/optimizer/arms.js';
import { findPack, type Pack } from '../../../node/packs/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { expectedSymbols, registryValues } from '../../../node/validation/expected.js';
import { pythonSupport } from '../../../node/validation/languages/python.js';
import { checkSymbols } from '../../../node/validation/symbol-check.js';
import { pythonSymbols } from '../../../node/validation/symbols/python.js';
import type { ExtractedSymbol } from '../../../node/validation/symbols/types.js';
import { createPythonToolchain, missingApiReason } from '../../../node/validation/toolchains/python.js';
import { SEMCONV_MISSING, semconvRegistry } from '../../helpers/reference.js';
import { skipNote, toolchain as tools } from '../../helpers/tools.js';

let model: TemplateRegistry;
let pack: Pack;
const toolchain = createPythonToolchain();
const REAL = semconvRegistry();
const PY = tools('python');

beforeAll(async () => {
  if (REAL) model = toTemplateRegistry((await loadRegistry(REAL, { check: false })).registry);
  pack = await findPack('python');
});

/** Whether this machine's python3 imports the OpenTelemetry API (opentelemetry-api) by itself. */
const API_INSTALLED = !PY.skip && spawnSync('python3', ['-c', 'import opentelemetry.metrics']).status === 0;
const API_REASON =
  /^not validated: opentelemetry \(python\) not found \(pip package: opentelemetry-api\); \d+ of \d+ modules need it/;

/**
 * A folder with an `opentelemetry` package to put on the module search path: without `metrics` it
 * hides an installed API (so the missing-API path runs anywhere); with it, a stand-in holding the names
 * the metric factories import (so the found-API path runs anywhere). The stand-in proves the
 * validator's handling, not the real API: python-official.test.ts runs the real one where installed.
 */
async function apiFolder(withMetrics: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-py-api-'));
  await mkdir(join(dir, 'opentelemetry', withMetrics ? 'metrics' : ''), { recursive: true });
  await writeFile(join(dir, 'opentelemetry', '__init__.py'), '');
  if (withMetrics)
    await writeFile(
      join(dir, 'opentelemetry', 'metrics', '__init__.py'),
      ['Meter', 'Counter', 'UpDownCounter', 'Histogram', 'ObservableGauge', 'CallbackOptions', 'Observation']
        .map((c) => `class ${c}: ...\n`)
        .join(''),
    );
  return dir;
}

const qualified = (s: ExtractedSymbol) => (s.container ? `${s.container}.${s.name}` : s.name);
const byName = (syms: ExtractedSymbol[]) => Object.fromEntries(syms.map((s) => [qualified(s), s]));

describe('Python symbol extractor', () => {
  it('finds constants with their docstrings, enum members with their class, templates and deprecation', () => {
    const syms = pythonSymbols.extract([
      {
        path: 'attributes/http_attributes.py',
        content: [
          '"""Module doc."""', // 1
          'from enum import Enum', // 2
          'from typing import Final', // 3
          '', // 4
          'HTTP_REQUEST_METHOD: Final = "http.request.method"', // 5
          '"""', // 6
          'HTTP request method.', // 7
          '"""', // 8
          '', // 9
          "HTTP_FLAVOR = 'http.flavor'", // 10
          '"""Deprecated: Replaced by `network.protocol.name`."""', // 11
          'HTTP_REQUEST_HEADER_TEMPLATE: Final[str] = "http.request.header"', // 12
          'def http_response_header(key: str) -> str:', // 13
          '    """Response headers."""', // 14
          '    return "http.response.header." + key', // 15
          '@deprecated("gone")', // 16
          'class HttpFlavorValues(Enum):', // 17
          '    HTTP_1_0 = "1.0"', // 18
          'class HttpRequestMethodValues(str, Enum):', // 19
          '    """Values."""', // 20
          '    GET = "GET"', // 21
          '    """GET method."""', // 22
          '    OLD = "OLD"', // 23
          '    """Old.', // 24
          '', // 25
          '    Deprecated: no replacement.', // 26
          '    """', // 27
          '    def label(self):', // 28
          '        INNER = "not a symbol"', // 29
          '        return INNER', // 30
          'AFTER = 3', // 31
        ].join('\n'),
      },
    ]);
    const by = byName(syms);
    expect(by.HTTP_REQUEST_METHOD).toMatchObject({
      value: 'http.request.method',
      kind: 'constant',
      line: 5,
      doc: 'HTTP request method.',
      deprecated: false,
      container: '',
      file: 'attributes/http_attributes.py',
    });
    expect(by.HTTP_FLAVOR).toMatchObject({ value: 'http.flavor', deprecated: true, line: 10 });
    expect(by.HTTP_REQUEST_HEADER_TEMPLATE).toMatchObject({
      value: 'http.request.header',
      kind: 'template',
      deprecated: false,
    });
    expect(by.http_response_header).toMatchObject({
      value: 'http.response.header',
      kind: 'template',
      doc: 'Response headers.',
      line: 13,
    });
    expect(by['HttpFlavorValues.HTTP_1_0']).toMatchObject({
      value: '1.0',
      container: 'HttpFlavorValues',
      deprecated: true,
      line: 18,
    });
    expect(by['HttpRequestMethodValues.GET']).toMatchObject({
      value: 'GET',
      container: 'HttpRequestMethodValues',
      doc: 'GET method.',
      deprecated: false,
    });
    expect(by['HttpRequestMethodValues.OLD']).toMatchObject({
      doc: 'Old.\n\nDeprecated: no replacement.',
      deprecated: true,
    });
    expect(by.AFTER).toMatchObject({ value: 3, container: '', line: 31 });
    expect(syms.map((s) => s.name)).not.toContain('INNER');
    expect(syms.map((s) => s.name)).not.toContain('label');
  });

  it('decodes literals (escapes, implicit concatenation, numbers, booleans) and skips expressions', () => {
    const syms = pythonSymbols.extract([
      {
        path: 'a.py',
        content: [
          String.raw`ESC = "a\\b\u00e9\x41" 'cd'`,
          'PAREN = (',
          '    "multi"',
          '    "line"',
          ')',
          'NEG = -42',
          'FLT = 1_000.5',
          'YES = True',
          'CALL = str("x")',
          'SUM = "a" + B',
          'RAW = r"\\d"',
          'def fmt(key): return f"a.b.{key}"',
        ].join('\n'),
      },
      { path: 'notes.txt', content: 'X = "ignored"' },
    ]);
    const by = byName(syms);
    expect(by.ESC.value).toBe('a\\béAcd');
    expect(by.PAREN).toMatchObject({ value: 'multiline', line: 2 });
    expect(by.NEG.value).toBe(-42);
    expect(by.FLT.value).toBe(1000.5);
    expect(by.YES.value).toBe(true);
    expect(by.RAW.value).toBe('\\d');
    expect(by.fmt).toMatchObject({ kind: 'template', value: 'a.b' });
    expect(by.CALL).toBeUndefined();
    expect(by.SUM).toBeUndefined();
    expect(syms.every((s) => s.file === 'a.py')).toBe(true);
  });
});

describe('Python toolchain', () => {
  const syntax = `fails a syntax error with a diagnostic at the break, and counts bad escapes as warnings${PY.note}`;
  it.skipIf(PY.skip)(syntax, async () => {
    const r = await toolchain.validate([
      { path: '__init__.py', content: '"""pkg"""\n' },
      { path: 'attributes/broken.py', content: 'A = 1\nB = (\n' },
      { path: 'escapes.py', content: 'X = 1\nZ = "\\d"\n' },
    ]);
    expect(r.status).toBe('failed');
    expect(r.errors).toBe(1);
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({ file: 'attributes/broken.py', line: 2, severity: 'error' }),
    );
    expect(r.warnings).toBe(1);
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'escapes.py',
        line: 2,
        severity: 'warning',
        message: expect.stringMatching(/invalid escape sequence/),
      }),
    );
  });

  const imports = `imports every module so import-time errors count, located in the module${PY.note}`;
  it.skipIf(PY.skip)(imports, async () => {
    const r = await toolchain.validate([
      { path: '__init__.py', content: '"""pkg"""\n' },
      { path: 'a.py', content: 'from ._helper import f\nX = f()\n' },
      { path: '_helper.py', content: 'def f():\n    return 1\n' },
      { path: 'b.py', content: 'A = 1\nB = undefined_name\n' },
      { path: 'c.py', content: 'from .missing import x\n' },
    ]);
    expect(r.status).toBe('failed');
    expect(r.errors).toBe(2);
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'b.py',
        line: 2,
        severity: 'error',
        message: expect.stringMatching(/NameError/),
      }),
    );
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'c.py',
        line: 1,
        severity: 'error',
        message: expect.stringMatching(/ModuleNotFoundError/),
      }),
    );
  });

  const api = `a module needing the OpenTelemetry API that is not installed is not validated, never a pass${PY.note}`;
  it.skipIf(PY.skip)(api, async () => {
    const files = [
      { path: '__init__.py', content: '"""pkg"""\n' },
      { path: 'plain.py', content: 'X = 1\n' },
      { path: 'metrics/m.py', content: 'from opentelemetry.metrics import Histogram, Meter\nX = 1\n' },
    ];
    const hidden = createPythonToolchain({ pythonPath: [await apiFolder(false)] });
    const r = await hidden.validate(files);
    expect(r.status).toBe('not_validated');
    expect(r.reason).toMatch(API_REASON);
    expect(r.reason).toBe(missingApiReason(['metrics/m.py'], 3));
    expect(r.errors).toBe(0);
    // what could be checked still counts: an error elsewhere fails, the API notwithstanding
    const broken = await hidden.validate([...files, { path: 'b.py', content: 'B = undefined_name\n' }]);
    expect(broken.status).toBe('failed');
    expect(broken.diagnostics).toContainEqual(expect.objectContaining({ file: 'b.py', severity: 'error' }));
    // a syntax error in a module needing the API is found by compiling it
    const bad = await hidden.validate([
      ...files,
      { path: 'metrics/n.py', content: 'from opentelemetry.metrics import Meter\nX = (\n' },
    ]);
    expect(bad.status).toBe('failed');
    // with the API on the path (here a stand-in) every module is imported: a pass
    const withApi = createPythonToolchain({ pythonPath: [await apiFolder(true)] });
    const found = await withApi.validate(files);
    expect(found.diagnostics).toEqual([]);
    expect(found.status).toBe('passed');
    // a name the API does not have is an import error like any other
    const wrong = await withApi.validate([
      { path: 'w.py', content: 'from opentelemetry.metrics import NoSuchInstrument\n' },
    ]);
    expect(wrong.status).toBe('failed');
  });

  it('reports a missing interpreter as not validated, never as a pass', async () => {
    const r = await createPythonToolchain({ command: 'python3-weavergen-missing' }).validate([
      { path: 'a.py', content: 'X = 1\n' },
    ]);
    expect(r.status).toBe('not_validated');
    expect(r.reason).toBe('not validated: python3-weavergen-missing not found (Debian package: python3)');
  });

  it.skipIf(PY.skip)(`fails on a timeout, and when there is nothing to check${PY.note}`, async () => {
    const slow = await toolchain.validate([{ path: 'a.py', content: 'while True:\n    pass\n' }], {
      timeoutMs: 1500,
    });
    expect(slow.status).toBe('failed');
    expect(slow.reason).toMatch(/timed out/);
    const empty = await toolchain.validate([{ path: 'README.md', content: '# x\n' }]);
    expect(empty.status).toBe('failed');
  });
});

const PACK_NOTE = skipNote(!REAL && SEMCONV_MISSING, PY.skip && PY.reason);
describe.skipIf(!REAL || PY.skip)(`python-semconv pack on the real registry${PACK_NOTE}`, () => {
  it('default output compiles and imports clean and holds every key with its exact value and official name', async () => {
    const gen = await generateWithPack(pack, model, {});
    const paths = gen.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '__init__.py',
        'attributes/__init__.py',
        'attributes/http_attributes.py',
        'metrics/__init__.py',
        'metrics/http_metrics.py',
        '_incubating/attributes/http_attributes.py',
        '_incubating/metrics/http_metrics.py',
        '_incubating/events/__init__.py',
      ]),
    );
    // the metric factories import the OpenTelemetry API: without it, not validated (never a pass)
    const r = await toolchain.validate(gen.files);
    expect(r.diagnostics.slice(0, 3)).toEqual([]);
    if (API_INSTALLED) expect(r.status).toBe('passed');
    else {
      expect(r.status).toBe('not_validated');
      expect(r.reason).toMatch(API_REASON);
      expect(r.reason).toContain('_incubating/metrics/');
    }
    expect(r.errors).toBe(0);
    expect(r.warnings).toBe(0);
    // everything else imports: with the API on the path (a stand-in: the names it exports) it passes
    const withApi = await createPythonToolchain({ pythonPath: [await apiFolder(true)] }).validate(gen.files);
    expect(withApi.diagnostics.slice(0, 3)).toEqual([]);
    expect(withApi.status).toBe('passed');

    const syms = pythonSupport.symbols.extract(gen.files);
    // every attribute key, metric name and event name (one per generated name, as unique_names keeps)
    const values = new Set(syms.map((s) => s.value));
    const expected = expectedSymbols(model, gen.scope);
    expect(expected.filter((e) => e.kind !== 'member').length).toBeGreaterThan(
      model.attributes.length + model.metrics.length,
    );
    for (const e of expected) if (e.kind !== 'member') expect(values.has(e.value), e.key).toBe(true);
    // the only keys left out are deprecated aliases whose name a current attribute holds
    for (const a of model.attributes.filter((x) => !values.has(x.key))) {
      expect(a.is_deprecated, a.key).toBe(true);
      expect(
        model.attributes.some(
          (b) => b !== a && values.has(b.key) && screamingSnakeCase(b.key) === screamingSnakeCase(a.key),
        ),
        a.key,
      ).toBe(true);
    }

    const by = byName(syms.filter((x) => !x.file.startsWith('_incubating/')));
    const incubating = byName(syms.filter((x) => x.file.startsWith('_incubating/')));
    expect(by.HTTP_REQUEST_METHOD).toMatchObject({
      value: 'http.request.method',
      file: 'attributes/http_attributes.py',
      doc: expect.stringContaining('HTTP request method.'),
    });
    expect(by.HTTP_REQUEST_HEADER_TEMPLATE).toMatchObject({ value: 'http.request.header', kind: 'template' });
    expect(by['HttpRequestMethodValues.GET']).toMatchObject({
      value: 'GET',
      file: 'attributes/http_attributes.py',
    });
    expect(by.HTTP_SERVER_REQUEST_DURATION).toMatchObject({
      value: 'http.server.request.duration',
      file: 'metrics/http_metrics.py',
    });
    expect(by.HTTP_METHOD).toBeUndefined();
    expect(incubating.HTTP_METHOD).toMatchObject({
      value: 'http.method',
      deprecated: true,
      doc: expect.stringContaining('Deprecated: Replaced by `http.request.method`'),
    });
    expect(pythonSupport.naming.enumMember('http.request.method', 'get')).toBe('HttpRequestMethodValues.GET');

    const report = checkSymbols(expectedSymbols(model, gen.scope), syms, pythonSupport.naming, {
      known: registryValues(model),
    });
    expect(report.missing).toEqual([]);
    expect(report.found).toBe(report.expected);
    expect(report.namedOfficially).toBe(report.found);
    expect(report.deprecatedMarked).toBe(report.deprecatedExpected);
    expect(report.falselyDeprecated).toBe(0);
    // nothing invented (units, descriptions, the schema URL are registry values), nothing wrong
    expect(report.defects.slice(0, 5)).toEqual([]);
    expect(report.correct).toBe(true);
    expect(report.documented).toBe(report.documentable);
  });

  it('every other param combination compiles and imports clean', async () => {
    const all = paramCombinations(pack);
    expect(all.length).toBe(54);
    const defaults = JSON.stringify(await generateWithPack(pack, model, {}).then((g) => g.params));
    const others = [];
    for (const params of all) {
      const gen = await generateWithPack(pack, model, params);
      if (JSON.stringify(gen.params) !== defaults) others.push({ params, gen });
    }
    expect(others.length).toBe(53);
    // two at a time: the interpreter is the slow part
    for (let i = 0; i < others.length; i += 2) {
      const batch = others.slice(i, i + 2);
      const results = await Promise.all(batch.map((o) => toolchain.validate(o.gen.files)));
      results.forEach((r, k) => {
        const label = JSON.stringify(batch[k].params);
        expect(r.diagnostics.slice(0, 3), label).toEqual([]);
        if (batch[k].gen.params.metrics === 'constants' || API_INSTALLED)
          expect(r.status, label).toBe('passed');
        else {
          expect(r.status, label).toBe('not_validated');
          expect(r.reason, label).toMatch(API_REASON);
        }
        const values = new Set(pythonSymbols.extract(batch[k].gen.files).map((s) => s.value));
        expect(values.has('http.request.method'), label).toBe(true);
        expect(values.has('http.server.request.duration'), label).toBe(true);
      });
    }
  });
});
