import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../../node/generation/index.js';
import { harnessFor } from '../../../node/tasks/runners/index.js';
import { toolchain } from '../../helpers/tools.js';

/**
 * Issue 19: a result a team can trust. Each answer below is buggy or cheats; none may pass without
 * passing the user's tests, and correct code with thousands of tests scores 1.0 every time.
 */
const PY = toolchain('python');
const RUST = toolchain('rust');
const f = (path: string, content: string): GeneratedFile => ({ path, content });
const OPTIONS = { timeoutMs: 10_000 };

const BUGGY_TS = f('sum.ts', 'export function sum(a: number, b: number): number {\n  return a - b;\n}\n');
const GOOD_TS = f('sum.ts', 'export function sum(a: number, b: number): number {\n  return a + b;\n}\n');
const TS_TEST = f(
  'sum.test.ts',
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum';\n\ntest('adds', () => assert.strictEqual(sum(2, 3), 5));\n",
);
/** ten passing tests of the answer's own */
const OWN_TESTS = (path: string) =>
  f(
    path,
    `const { test } = require('node:test');\n${Array.from({ length: 10 }, (_, i) => `test('own ${i}', () => {});`).join('\n')}\n`,
  );

const ts = harnessFor('typescript');

describe('typescript: only the user’s test files run and count', () => {
  it('a .js test file runs (passed explicitly); the answer’s own *.test.js files never run', async () => {
    const test = f(
      'sum.test.js',
      "const { test } = require('node:test');\nconst assert = require('node:assert/strict');\nconst { sum } = require('./sum');\ntest('adds', () => assert.strictEqual(sum(2, 3), 5));\n",
    );
    const r = await ts.run(
      [BUGGY_TS, OWN_TESTS('own.test.js'), OWN_TESTS('test/more.test.js')],
      [test],
      OPTIONS,
    );
    expect(r.tests.map((t) => [t.name, t.passed])).toEqual([['sum.test.js > adds', false]]);
    expect(r).toMatchObject({ passed: 0, total: 1 });
  });

  it('beside a .ts test file, an answer’s *.test.js does not count', async () => {
    const r = await ts.run([BUGGY_TS, OWN_TESTS('sum.extra.test.js')], [TS_TEST], OPTIONS);
    expect(r).toMatchObject({ passed: 0, total: 1 });
  });

  it('.mjs (ESM) and .cjs test files run too', async () => {
    const mjs = f(
      'sum.test.mjs',
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\ntest('adds', () => assert.strictEqual(sum(2, 3), 5));\n",
    );
    const cjs = f(
      'neg.test.cjs',
      "const { test } = require('node:test');\nconst assert = require('node:assert/strict');\nconst { sum } = require('./sum');\ntest('negatives', () => assert.strictEqual(sum(-2, -3), -5));\n",
    );
    const r = await ts.run([GOOD_TS], [mjs, cjs], OPTIONS);
    expect(r.tests.map((t) => [t.name, t.passed])).toEqual([
      ['sum.test.mjs > adds', true],
      ['neg.test.cjs > negatives', true],
    ]);
  });

  it('an answer’s .ts file whose output would replace the user’s .js test file is dropped', async () => {
    const test = f(
      'sum.test.js',
      "const { test } = require('node:test');\nconst assert = require('node:assert/strict');\nconst { sum } = require('./sum');\ntest('adds', () => assert.strictEqual(sum(2, 3), 5));\n",
    );
    const r = await ts.run(
      [BUGGY_TS, f('sum.test.ts', "import { test } from 'node:test';\ntest('adds', () => {});\n")],
      [test],
      OPTIONS,
    );
    expect(r.tests.map((t) => [t.name, t.passed])).toEqual([['sum.test.js > adds', false]]);
  });

  it('tests the answer registers from its own module do not count', async () => {
    const r = await ts.run(
      [
        f(
          'sum.ts',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
          "import { test } from 'node:test';\nfor (let i = 0; i < 10; i++) test(`adds ${i}`, () => {});\nexport const sum = (a: number, b: number) => a - b;\n",
        ),
      ],
      [TS_TEST],
      OPTIONS,
    );
    expect(r.tests.map((t) => [t.name, t.passed])).toEqual([['sum.test.ts > adds', false]]);
  });
});

describe('typescript: determined cheats fail', () => {
  it('replacing node:assert/strict and node:assert methods at import time changes nothing', async () => {
    const cheat = f(
      'sum.ts',
      [
        "import assert from 'node:assert';",
        "import strict from 'node:assert/strict';",
        'const noop = () => {};',
        'try { (strict as any).strictEqual = noop; } catch {}',
        'try { (assert as any).strictEqual = noop; } catch {}',
        'try { (assert as any).strict.strictEqual = noop; } catch {}',
        "try { Object.defineProperty(strict, 'strictEqual', { value: noop }); } catch {}",
        'export const sum = (a: number, b: number) => a - b;',
      ].join('\n'),
    );
    const r = await ts.run([cheat], [TS_TEST], OPTIONS);
    expect(r.passed).toBe(0);
    expect(r.tests).toHaveLength(1);
  });

  it('replacing node:test’s test() with one that skips the body changes nothing', async () => {
    const cheat = f(
      'sum.ts',
      [
        "const nodeTest = require('node:test');",
        'const real = nodeTest.test;',
        'try { nodeTest.test = (name: string) => real(name, () => {}); } catch {}',
        'export const sum = (a: number, b: number) => a - b;',
      ].join('\n'),
    );
    const r = await ts.run([cheat], [TS_TEST], OPTIONS);
    expect(r.passed).toBe(0);
  });

  it('process.exit(0) from a module initializer is a failure, never a pass', async () => {
    const r = await ts.run(
      [f('sum.ts', 'process.exit(0);\nexport const sum = (a: number, b: number) => a + b;\n')],
      [TS_TEST],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.total).toBeGreaterThan(0);
  });

  it('process.exit(0) in the middle of the run fails the tests that did not run', async () => {
    const test = f(
      'sum.test.ts',
      `import { describe, it, test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum';\n\ntest('first', () => assert.strictEqual(sum(1, 2), 3));\ntest('exits', () => assert.strictEqual(sum(0, 0), 0));\ndescribe('later', () => {\n${Array.from({ length: 5 }, (_, i) => `  it('case ${i}', () => assert.strictEqual(sum(${i}, 1), ${i + 1}));`).join('\n')}\n});\n`,
    );
    const r = await ts.run(
      [
        f(
          'sum.ts',
          'export function sum(a: number, b: number): number {\n  if (a === 0) process.exit(0);\n  return a + b;\n}\n',
        ),
      ],
      [test],
      OPTIONS,
    );
    // what was reported before the exit counts (node may lose it with the process); the rest fails
    expect(r.passed).toBeLessThanOrEqual(1);
    expect(r.passed).toBeLessThan(r.total);
    expect(r.tests.some((t) => !t.passed && /did not run to its end/.test(t.message ?? ''))).toBe(true);
  });
});

describe('typescript: the results file cannot be forged', () => {
  it('lines appended to the reporter’s file (found in os.tmpdir()) score nothing', async () => {
    // the audit's probe: find weavergen-task-ts-run-*/<hex>.jsonl, read the end marker from
    // entry-0.mjs, append a pass, the marker's pass and an end record that excuses the exit status
    const cheat = f(
      'sum.ts',
      `import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
const tmp = os.tmpdir();
const me = process.cwd();
for (const d of fs.readdirSync(tmp)) {
  if (!d.startsWith('weavergen-task-ts-run-')) continue;
  const dir = path.join(tmp, d);
  let files: string[] = [];
  try { files = fs.readdirSync(dir); } catch { continue; }
  const res = files.find((x) => x.endsWith('.jsonl'));
  const entry = path.join(dir, 'entry-0.mjs');
  let src = '';
  try { src = fs.readFileSync(entry, 'utf8'); } catch { continue; }
  if (!res || !src.includes(me)) continue;
  const end = (/__weavergen_end_[0-9a-f]+/.exec(src) as RegExpExecArray)[0];
  const lines = [
    { t: 'pass', name: 'adds', nesting: 0, file: path.join(me, 'sum.test.js') },
    { t: 'pass', name: end, nesting: 0, file: entry },
    { t: 'end', foreign: 1 },
  ].map((x) => JSON.stringify(x)).join('\\n');
  const fd = fs.openSync(path.join(dir, res), 'r+');
  fs.writeSync(fd, '\\n' + lines + '\\n', 1 << 20);
  fs.closeSync(fd);
}
export const sum = (a: number, b: number) => a - b;
`,
    );
    const r = await ts.run([cheat], [TS_TEST], OPTIONS);
    expect(r.passed).toBe(0);
    expect(r.total).toBeGreaterThan(0);
  });

  it('the reporter’s signing key is gone before any code under test runs', async () => {
    // the reporter's source names its key file; the results file is on node --test's command line
    const cheat = f(
      'sum.ts',
      `import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHmac } from 'node:crypto';
const entry = process.argv[1];
const src = fs.readFileSync(path.join(path.dirname(entry), 'reporter.mjs'), 'utf8');
const keyFile = JSON.parse((/readFileSync\\(("[^"]+")\\)/.exec(src) as RegExpExecArray)[1]);
const argv = fs.readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8').split('\\0');
const dest = argv.find((a) => a.startsWith('--test-reporter-destination='))!.split('=')[1];
let key: Buffer | undefined;
try { key = fs.readFileSync(keyFile); } catch {}
if (key) {
  const end = (/__weavergen_end_[0-9a-f]+/.exec(fs.readFileSync(entry, 'utf8')) as RegExpExecArray)[0];
  let s = 0;
  const line = (o: object) => {
    const j = JSON.stringify({ s: s++, ...o });
    return createHmac('sha256', key!).update(j).digest('hex') + ' ' + j + '\\n';
  };
  const file = path.join(process.cwd(), 'sum.test.js');
  fs.writeFileSync(dest, line({ t: 'pass', name: 'adds', nesting: 0, file }) + line({ t: 'pass', name: end, nesting: 0, file: entry }) + line({ t: 'end', foreign: 1 }));
  process.exit(0);
}
export const sum = (a: number, b: number) => a - b;
`,
    );
    const r = await ts.run([cheat], [TS_TEST], OPTIONS);
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([expect.objectContaining({ name: 'sum.test.ts > adds', passed: false })]);
  });
});

describe('output: no cut that changes counts', () => {
  const many = (n: number) =>
    f(
      'many.test.ts',
      `import { describe, it } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum';\n\nfor (let g = 0; g < ${n / 100}; g++)\n  describe(\`group \${g}\`, () => {\n    for (let i = 0; i < 100; i++)\n      it(\`adds \${g} and \${i}, a name long enough to make the reporter's events large\`, () => assert.strictEqual(sum(g, i), g + i));\n  });\n`,
    );

  it('3,600 typescript tests of correct code score 1.0, three times in a row', {
    timeout: 300_000,
  }, async () => {
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await ts.run([GOOD_TS], [many(3600)], { timeoutMs: 60_000 });
      times.push(Math.round(r.durationMs));
      expect(r.tests.filter((t) => !t.passed)).toEqual([]);
      expect(r).toMatchObject({ compiled: true, passed: 3600, total: 3600, timedOut: false });
    }
    console.log(`3,600 TypeScript tests, 3 runs: ${times.join(' ms, ')} ms`);
  });

  const py3000 = `3,000 python tests of correct code (each printing) score 1.0, three times in a row${PY.note}`;
  it.skipIf(PY.skip)(py3000, { timeout: 180_000 }, async () => {
    const test = f(
      'test_sum.py',
      `import unittest\nfrom sum import add\n\n\nclass T(unittest.TestCase):\n${Array.from(
        { length: 3000 },
        (_, i) =>
          `    def test_case_${i}(self):\n        print("checking ${i} with a line long enough to add up " * 3)\n        self.assertEqual(add(${i}, 1), ${i + 1})\n`,
      ).join('\n')}`,
    );
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await harnessFor('python').run([f('sum.py', 'def add(a, b):\n    return a + b\n')], [test], {
        timeoutMs: 60_000,
      });
      times.push(Math.round(r.durationMs));
      expect(r.tests.filter((t) => !t.passed)).toEqual([]);
      expect(r).toMatchObject({ compiled: true, passed: 3000, total: 3000, timedOut: false });
    }
    console.log(`3,000 Python tests, 3 runs: ${times.join(' ms, ')} ms`);
  });

  const rs1000 = `1,000 rust tests of correct code score 1.0${RUST.note}`;
  it.skipIf(RUST.skip)(rs1000, { timeout: 180_000 }, async () => {
    const test = f(
      'tests.rs',
      `use super::*;\n\n${Array.from(
        { length: 1000 },
        (_, i) => `#[test]\nfn adds_${i}() {\n    assert_eq!(sum(${i}, 1), ${i + 1});\n}\n`,
      ).join('\n')}`,
    );
    const r = await harnessFor('rust').run(
      [f('src/lib.rs', 'pub fn sum(a: i32, b: i32) -> i32 {\n    a + b\n}\n')],
      [test],
      { timeoutMs: 20_000 },
    );
    expect(r.tests.filter((t) => !t.passed)).toEqual([]);
    expect(r).toMatchObject({ compiled: true, passed: 1000, total: 1000, timedOut: false });
    console.log(`1,000 Rust tests: ${Math.round(r.durationMs)} ms`);
  });

  it('typescript: an answer printing without end is stopped with "output too large", not "tests failed"', async () => {
    const r = await ts.run(
      [
        f(
          'sum.ts',
          "export function sum(a: number, b: number): number {\n  const s = 'z'.repeat(1 << 20);\n  for (let i = 0; i < 400; i++) console.log(s);\n  return a + b;\n}\n",
        ),
      ],
      [TS_TEST],
      { timeoutMs: 60_000 },
    );
    expect(r.outputTooLarge).toBe(true);
    expect(r.passed).toBe(0);
    expect(r.diagnostics.join('\n')).toMatch(/output too large/);
    expect(r.tests.every((t) => /output too large/.test(t.message ?? ''))).toBe(true);
  });

  it.skipIf(PY.skip)(`python: the same${PY.note}`, async () => {
    const r = await harnessFor('python').run(
      [
        f(
          'sum.py',
          "import sys\n\ndef add(a, b):\n    s = 'z' * (1 << 20)\n    for _ in range(400):\n        print(s)\n    return a + b\n",
        ),
      ],
      [PY_TEST],
      { timeoutMs: 60_000 },
    );
    expect(r.outputTooLarge).toBe(true);
    expect(r.passed).toBe(0);
    expect(r.tests.every((t) => /output too large/.test(t.message ?? ''))).toBe(true);
  });
});

const PY_TEST = f(
  'test_sum.py',
  'import unittest\nfrom sum import add\n\n\nclass T(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_negatives(self):\n        self.assertEqual(add(-2, -3), -5)\n',
);
const py = harnessFor('python');

describe('python: results come from a channel the answer cannot write to', () => {
  const lines = (ok: string) =>
    [
      'import json, sys',
      `ok = ${ok}`,
      'for i in ["test_sum.T.test_adds", "test_sum.T.test_negatives"]:',
      '    print(json.dumps({"id": i, "ok": True, "message": None}), flush=True)',
      '    sys.stdout.write("R %s 1 \\n" % i.encode().hex())',
    ].join('\n');

  it.skipIf(PY.skip)(
    `forged result lines on stdout, then exit 0 at import, pass nothing${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        `${lines('True')}\nprint(json.dumps({"plan": ["test_sum.T.test_adds", "test_sum.T.test_negatives"]}), flush=True)\nimport os\nos._exit(0)\n`,
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.passed).toBe(0);
      expect(r.total).toBeGreaterThan(0);
    },
  );

  it.skipIf(PY.skip)(
    `forged result lines printed by a buggy answer during the run do not count${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        `def add(a, b):\n${lines('True').replace(/^/gm, '    ')}\n    return a - b\n`,
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.tests.map((t) => [t.name, t.passed])).toEqual([
        ['test_sum.T.test_adds', false],
        ['test_sum.T.test_negatives', false],
      ]);
    },
  );

  it.skipIf(PY.skip)(`monkeypatching unittest’s assert methods is detected${PY.note}`, async () => {
    const cheat = f(
      'sum.py',
      'import unittest\n\nunittest.TestCase.assertEqual = lambda self, *a, **k: None\n\ndef add(a, b):\n    return a - b\n',
    );
    const r = await py.run([cheat], [PY_TEST], OPTIONS);
    expect(r.passed).toBe(0);
    expect(r.tests[0].message).toMatch(/assertEqual/);
  });

  it.skipIf(PY.skip)(
    `patching the test instance or class while a test runs is detected${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        'import sys\n\ndef add(a, b):\n    self = sys._getframe(1).f_locals["self"]\n    self.assertEqual = lambda *a, **k: None\n    type(self).test_negatives = lambda s: None\n    return a - b\n',
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.passed).toBe(0);
    },
  );

  it.skipIf(PY.skip)(`skipping from the code under test is not a pass${PY.note}`, async () => {
    const cheat = f(
      'sum.py',
      'import unittest\n\ndef add(a, b):\n    raise unittest.SkipTest("not today")\n',
    );
    const r = await py.run([cheat], [PY_TEST], OPTIONS);
    expect(r.passed).toBe(0);
    expect(r.tests[0].message).toMatch(/skip/i);
  });

  it.skipIf(PY.skip)(
    `a test class the answer slips into the test module does not count${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        'import sys, unittest\n\nclass Freebie(unittest.TestCase):\n    def test_free(self):\n        pass\n\nsys.modules["test_sum"].Freebie = Freebie\n\ndef add(a, b):\n    return a - b\n',
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.tests.map((t) => t.name)).toEqual(['test_sum.T.test_adds', 'test_sum.T.test_negatives']);
      expect(r.passed).toBe(0);
    },
  );

  it.skipIf(PY.skip)(`os._exit(0) in the middle of the run fails what did not run${PY.note}`, async () => {
    const cheat = f(
      'sum.py',
      'import os\n\ndef add(a, b):\n    if a < 0:\n        os._exit(0)\n    return a + b\n',
    );
    const r = await py.run([cheat], [PY_TEST], OPTIONS);
    expect(r.tests.find((t) => t.name === 'test_sum.T.test_adds')?.passed).toBe(true);
    expect(r.passed).toBe(1);
    expect(r.total).toBe(2);
  });

  it.skipIf(PY.skip)(
    `a test deleted by a trace hook while the test module loads fails as gone${PY.note}`,
    async () => {
      // the hook removes T.test_negatives on its first call after the test module exists, then unhooks
      const cheat = f(
        'sum.py',
        'import sys\n\ndef _tr(frame, event, arg):\n    m = sys.modules.get("test_sum")\n    T = getattr(m, "T", None) if m is not None else None\n    if T is not None and "test_negatives" in vars(T):\n        delattr(T, "test_negatives")\n        sys.settrace(None)\n    return None\n\nsys.settrace(_tr)\n\ndef add(a, b):\n    return a + b if a >= 0 else 0\n',
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.tests).toEqual([
        { name: 'test_sum.T.test_adds', passed: true },
        {
          name: 'test_sum.T.test_negatives',
          passed: false,
          message: 'not run: the test disappeared before the run',
        },
      ]);
      expect(r).toMatchObject({ passed: 1, total: 2 });
    },
  );

  it.skipIf(PY.skip)(
    `a test method the answer replaces with its own before the tests load fails as gone${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        'import sys\n\ndef _tr(frame, event, arg):\n    m = sys.modules.get("test_sum")\n    T = getattr(m, "T", None) if m is not None else None\n    if T is not None and "test_negatives" in vars(T) and not getattr(T.test_negatives, "mine", 0):\n        f = lambda self: None\n        f.mine = 1\n        T.test_negatives = f\n        sys.settrace(None)\n    return None\n\nsys.settrace(_tr)\n\ndef add(a, b):\n    return a + b if a >= 0 else 0\n',
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.passed).toBeLessThan(2);
      expect(r.tests.find((t) => t.name === 'test_sum.T.test_negatives')?.passed).toBe(false);
    },
  );

  it.skipIf(PY.skip)(
    `TestCase.__getattribute__ added by the answer (no-op asserts) is detected and named${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        'import unittest\n\ndef _ga(self, n):\n    if n.startswith("assert"):\n        return lambda *a, **k: None\n    return object.__getattribute__(self, n)\n\nunittest.TestCase.__getattribute__ = _ga\n\ndef add(a, b):\n    return a - b\n',
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.passed).toBe(0);
      expect(r.total).toBe(2);
      expect(r.tests[0].message).toMatch(/unittest\.TestCase\.__getattribute__ was added/);
    },
  );

  it.skipIf(PY.skip)(
    `a dunder added to the user's test class while a test runs is detected${PY.note}`,
    async () => {
      const cheat = f(
        'sum.py',
        'import sys\n\ndef add(a, b):\n    cls = type(sys._getframe(1).f_locals["self"])\n    cls.__getattr__ = lambda self, n: (lambda *a, **k: None)\n    return a - b\n',
      );
      const r = await py.run([cheat], [PY_TEST], OPTIONS);
      expect(r.passed).toBe(0);
      expect(r.tests[0].message).toMatch(/T\.__getattr__ was added/);
    },
  );

  it.skipIf(PY.skip)(
    `an answer's unittest.py (the real one, patched) is not the runner's unittest${PY.note}`,
    async () => {
      const fake = f(
        'unittest.py',
        'import os, sys\n_here = os.path.dirname(os.path.abspath(__file__))\ndel sys.modules["unittest"]\nsys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]\nimport unittest\nsys.path.append(_here)\nunittest.TestCase.assertEqual = lambda *a, **k: None\n',
      );
      const r = await py.run([f('sum.py', 'def add(a, b):\n    return a - b\n'), fake], [PY_TEST], OPTIONS);
      expect(r.passed).toBe(0);
      expect(r.total).toBe(2);
    },
  );

  it.skipIf(PY.skip)(
    `a base class the test file deletes, and inherited tests, are counted as unittest runs them${PY.note}`,
    async () => {
      const test = f(
        'test_sum.py',
        'import unittest\nfrom sum import add\n\n\nclass Base(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n\nclass Sub(Base):\n    def test_more(self):\n        self.assertEqual(add(1, 1), 2)\n\n\nclass Helper:\n    def test_not_a_test(self):\n        pass\n\n\ndel Base\n',
      );
      const r = await py.run([f('sum.py', 'def add(a, b):\n    return a + b\n')], [test], OPTIONS);
      expect(r.tests).toEqual([
        { name: 'test_sum.Sub.test_adds', passed: true },
        { name: 'test_sum.Sub.test_more', passed: true },
      ]);
    },
  );

  it.skipIf(PY.skip)(
    `correct code still passes, a user's own skip decorator still counts as before${PY.note}`,
    async () => {
      const test = f(
        'test_sum.py',
        `${PY_TEST.content}\n    @unittest.skip("later")\n    def test_later(self):\n        self.fail("never")\n`,
      );
      const r = await py.run([f('sum.py', 'def add(a, b):\n    return a + b\n')], [test], OPTIONS);
      expect(r).toMatchObject({ compiled: true, passed: 3, total: 3 });
    },
  );
});
