import { access, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GeneratedFile } from '../../../node/generation/index.js';
import { harnessFor, TASK_LANGUAGES, type TaskLanguage } from '../../../node/tasks/runners/index.js';
import { isReservedPath } from '../../../node/tasks/runners/types.js';
import { toolchain } from '../../helpers/tools.js';

afterEach(() => vi.unstubAllEnvs());

const PY = toolchain('python');
const GO = toolchain('go');
const RUSTC = toolchain('rust');
const JUNIT = toolchain('java', 'junit');

const f = (path: string, content = ''): GeneratedFile => ({ path, content });

/** A correct answer and its tests, per language. */
const TASKS: Record<TaskLanguage, { files: GeneratedFile[]; tests: GeneratedFile[]; names: string[] }> = {
  typescript: {
    files: [f('sum.ts', 'export const sum = (a: number, b: number) => a + b;\n')],
    tests: [
      f(
        'sum.test.ts',
        "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { sum } from './sum';\ntest('adds', () => assert.strictEqual(sum(2, 3), 5));\n",
      ),
    ],
    names: ['sum.test.ts'],
  },
  python: {
    files: [f('sum.py', 'def add(a, b):\n    return a + b\n')],
    tests: [
      f(
        'test_sum.py',
        'import unittest\nfrom sum import add\n\nclass T(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n',
      ),
    ],
    names: ['test_sum.py'],
  },
  go: {
    files: [f('sum.go', 'package sum\n\nfunc Sum(a, b int) int { return a + b }\n')],
    tests: [
      f(
        'sum_test.go',
        'package sum\n\nimport "testing"\n\nfunc TestAdds(t *testing.T) {\n\tif Sum(2, 3) != 5 {\n\t\tt.Fatal("no")\n\t}\n}\n',
      ),
    ],
    names: ['TestAdds'],
  },
  rust: {
    files: [f('src/lib.rs', 'pub fn sum(a: i32, b: i32) -> i32 {\n    a + b\n}\n')],
    tests: [f('tests.rs', 'use super::*;\n\n#[test]\nfn adds() {\n    assert_eq!(sum(2, 3), 5);\n}\n')],
    names: ['tests.rs > adds'],
  },
  java: {
    files: [
      f(
        'Sum.java',
        'public class Sum {\n  public static int sum(int a, int b) {\n    return a + b;\n  }\n}\n',
      ),
    ],
    tests: [
      f(
        'SumTest.java',
        'import static org.junit.jupiter.api.Assertions.assertEquals;\n\nimport org.junit.jupiter.api.Test;\n\nclass SumTest {\n  @Test\n  void adds() {\n    assertEquals(5, Sum.sum(2, 3));\n  }\n}\n',
      ),
    ],
    names: ['SumTest.adds()'],
  },
};

const OPTIONS = { timeoutMs: 10_000 };

describe('cancellation', () => {
  it.each(TASK_LANGUAGES)('%s: an already-aborted signal runs nothing and passes nothing', async (lang) => {
    const ac = new AbortController();
    ac.abort();
    const { files, tests, names } = TASKS[lang];
    const started = Date.now();
    const r = await harnessFor(lang).run(files, tests, { timeoutMs: 10_000, signal: ac.signal });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.passed).toBe(0);
    expect(r.tests.map((t) => t.name)).toEqual(names);
    expect(r.tests.every((t) => t.message === 'not run: cancelled')).toBe(true);
  });

  const abort = `rust: an abort during the per-test runs starts no further test process${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(abort, { timeout: 120_000 }, async () => {
    const marker = join(tmpdir(), `weavergen-cancel-${process.pid}-${Date.now()}`);
    const tests = Array.from(
      { length: 8 },
      (_, i) =>
        `#[test]\nfn t${i}() {\n    std::fs::write(${JSON.stringify(marker)}, "x").unwrap();\n    std::thread::sleep(std::time::Duration::from_secs(4));\n}\n`,
    ).join('\n');
    const ac = new AbortController();
    let abortedAt = 0;
    const poll = setInterval(() => {
      access(marker).then(
        () => {
          if (!abortedAt) abortedAt = Date.now();
          ac.abort();
        },
        () => {},
      );
    }, 50);
    try {
      const r = await harnessFor('rust').run([f('src/lib.rs', 'pub fn x() {}\n')], [f('tests.rs', tests)], {
        timeoutMs: 20_000,
        signal: ac.signal,
      });
      expect(ac.signal.aborted).toBe(true);
      expect(r.passed).toBe(0);
      expect(r.tests).toHaveLength(8);
      expect(r.tests.every((t) => t.message === 'not run: cancelled')).toBe(true);
      // the first batch is killed and a second batch of 4 s sleeps never starts
      expect(Date.now() - abortedAt).toBeLessThan(2_000);
    } finally {
      clearInterval(poll);
      await rm(marker, { force: true });
    }
  });
});

describe('the environment of model-written code', () => {
  const noKey = `python: no API key or other variable of the node reaches the code under test${PY.note}`;
  it.skipIf(PY.skip)(noKey, async () => {
    vi.stubEnv('WEAVERGEN_SECRET_TEST', 'sk-secret');
    vi.stubEnv('OPENAI_API_KEY', 'sk-secret');
    const r = await harnessFor('python').run(
      [f('leak.py', 'import os\n\ndef secret():\n    return os.environ.get("WEAVERGEN_SECRET_TEST")\n')],
      [
        f(
          'test_leak.py',
          'import os, unittest\nfrom leak import secret\n\nclass T(unittest.TestCase):\n    def test_no_secret(self):\n        self.assertIsNone(secret())\n        self.assertNotIn("OPENAI_API_KEY", os.environ)\n',
        ),
      ],
      OPTIONS,
    );
    expect(r.tests).toEqual([{ name: 'test_leak.T.test_no_secret', passed: true }]);
  });

  it('typescript: the same for node --test', async () => {
    vi.stubEnv('WEAVERGEN_SECRET_TEST', 'sk-secret');
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-secret');
    const r = await harnessFor('typescript').run(
      [
        f(
          'leak.ts',
          'export const secret = () => process.env.WEAVERGEN_SECRET_TEST ?? process.env.ANTHROPIC_API_KEY;\n',
        ),
      ],
      [
        f(
          'leak.test.ts',
          "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { secret } from './leak';\ntest('no secret', () => assert.strictEqual(secret(), undefined));\n",
        ),
      ],
      OPTIONS,
    );
    expect(r.tests).toEqual([{ name: 'leak.test.ts > no secret', passed: true }]);
  });

  const rustup = `rust: rustc (a rustup proxy here) still finds its toolchain with the clean environment${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(rustup, { timeout: 60_000 }, async () => {
    vi.stubEnv('WEAVERGEN_SECRET_TEST', 'sk-secret');
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'pub fn secret() -> Option<String> {\n    std::env::var("WEAVERGEN_SECRET_TEST").ok()\n}\n',
        ),
      ],
      [f('tests.rs', 'use super::*;\n\n#[test]\nfn no_secret() {\n    assert_eq!(secret(), None);\n}\n')],
      OPTIONS,
    );
    expect(r).toMatchObject({ compiled: true, passed: 1, total: 1 });
  });
});

describe('a harness never throws', () => {
  it('python: a file and a folder of the same name fail every test with the message', async () => {
    const { tests } = TASKS.python;
    const r = await harnessFor('python').run(
      [...TASKS.python.files, f('sum.py/x.py', 'y = 1\n')],
      tests,
      OPTIONS,
    );
    expect(r.compiled).toBe(false);
    expect(r.passed).toBe(0);
    expect(r.diagnostics[0]).toMatch(/^not run: .*E(EXIST|NOTDIR)/);
    expect(r.tests).toEqual([{ name: 'test_sum.py', passed: false, message: r.diagnostics[0] }]);
  });

  const outside = '%s: a path out of the temp folder is refused, never written';
  it.for(TASK_LANGUAGES)(outside, async (lang, { skip }) => {
    if (lang === 'java') skip(JUNIT.skip, JUNIT.reason); // it looks for the JUnit jar first
    const { files, tests, names } = TASKS[lang];
    for (const path of ['../weavergen-escape.txt', join(tmpdir(), 'weavergen-escape.txt')]) {
      const r = await harnessFor(lang).run([...files, f(path, 'x')], tests, OPTIONS);
      expect(r).toMatchObject({ compiled: false, passed: 0 });
      expect(r.tests.map((t) => t.name)).toEqual(names);
      expect(r.tests[0].message).toMatch(/unsafe file path/);
    }
    await expect(access(join(tmpdir(), 'weavergen-escape.txt'))).rejects.toThrow();
  });
});

describe('reserved paths', () => {
  it('every harness lists the files it writes; a test file named so is recognised', () => {
    expect(harnessFor('python').reservedPaths).toContain('__weavergen_runner.py');
    expect(harnessFor('typescript').reservedPaths).toEqual(
      expect.arrayContaining(['package.json', '__weavergen_reporter.mjs']),
    );
    expect(harnessFor('rust').reservedPaths).toContain('__weavergen_tests_bin');
    expect(harnessFor('go').reservedPaths).toContain('.gopath/');
    for (const lang of TASK_LANGUAGES) expect(harnessFor(lang).reservedPaths).toContain('.weavergen-home/');
    expect(isReservedPath('./package.json', ['package.json'])).toBe(true);
    expect(isReservedPath('package.json/x.ts', ['package.json'])).toBe(true);
    expect(isReservedPath('.gopath/pkg/mod/x.go', ['.gopath/'])).toBe(true);
    expect(isReservedPath('.gopath', ['.gopath/'])).toBe(true);
    expect(isReservedPath('a/package.json', ['package.json'])).toBe(false);
  });

  it("typescript: an answer's file at or under a reserved path is dropped; the harness's own wins", async () => {
    const { files, tests } = TASKS.typescript;
    const r = await harnessFor('typescript').run(
      [
        ...files,
        f('package.json/x.ts', 'export {};\n'),
        f('__weavergen_reporter.mjs', 'export default async function* () { yield "{}\\n"; }\n'),
      ],
      tests,
      OPTIONS,
    );
    expect(r).toMatchObject({ compiled: true, passed: 1, total: 1 });
  });

  it.skipIf(PY.skip)(`python: an answer's runner does not replace the harness's${PY.note}`, async () => {
    const fake =
      'import json, sys\nprint(json.dumps({"plan": ["x"]}))\nprint(json.dumps({"id": "x", "ok": True}))\n';
    const r = await harnessFor('python').run(
      [f('sum.py', 'def add(a, b):\n    return a - b\n'), f('__weavergen_runner.py', fake)],
      TASKS.python.tests,
      OPTIONS,
    );
    expect(r.tests).toEqual([expect.objectContaining({ name: 'test_sum.T.test_adds', passed: false })]);
  });
});

describe('result faking', () => {
  const halt = `java: a planted report and halt(0) before any test score nothing${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(halt, { timeout: 60_000 }, async () => {
    const planted =
      '<?xml version="1.0"?>\n<testsuites><testsuite name="JUnit Jupiter" tests="1"><testcase name="adds()" classname="SumTest"/></testsuite></testsuites>\n';
    const r = await harnessFor('java').run(
      [
        f(
          'Sum.java',
          'public class Sum {\n  static {\n    Runtime.getRuntime().halt(0);\n  }\n  public static int sum(int a, int b) {\n    return 0;\n  }\n}\n',
        ),
        f('reports/TEST-junit-jupiter.xml', planted),
        f('out/TEST-junit-jupiter.xml', planted),
      ],
      TASKS.java.tests,
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([
      expect.objectContaining({ name: 'SumTest.adds()', message: expect.stringMatching(/no report/) }),
    ]);
  });

  const okLine = `rust: printing libtest's ok line and exiting 0 is not a pass${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(okLine, { timeout: 60_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'use std::io::Write;\n\npub fn sum(_a: i32, _b: i32) -> i32 {\n    let mut o = std::io::stdout();\n    // libtest has printed `test __weavergen_tests_0::adds ... `\n    writeln!(o, "ok").unwrap();\n    o.flush().unwrap();\n    std::process::exit(0)\n}\n',
        ),
      ],
      TASKS.rust.tests,
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([
      expect.objectContaining({ name: 'tests.rs > adds', message: expect.stringMatching(/summary/) }),
    ]);
  });

  const ownModule = `rust: the answer's own module named like the harness's does not count; an unlisted #[test] fails${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(ownModule, { timeout: 60_000 }, async () => {
    const r = await harnessFor('rust').run(
      [
        f(
          'src/lib.rs',
          'pub fn sum(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n#[cfg(test)]\nmod __weavergen_tests_9 {\n    #[test]\n    fn freebie() {}\n}\n',
        ),
      ],
      [
        f(
          'tests.rs',
          `${TASKS.rust.tests[0].content}\n#[cfg(feature = "never")]\n#[test]\nfn hidden() {}\n\n// #[test] fn commented() {}\n`,
        ),
      ],
      OPTIONS,
    );
    expect(r.tests).toEqual([
      { name: 'tests.rs > adds', passed: true },
      { name: 'tests.rs > hidden', passed: false, message: 'not run: the test binary did not list it' },
    ]);
  });

  it("go: with no TestX in the test file the answer's own tests do not run or count", async () => {
    const r = await harnessFor('go').run(
      [
        ...TASKS.go.files,
        f('sum_extra_test.go', 'package sum\n\nimport "testing"\n\nfunc TestFreebie(t *testing.T) {}\n'),
      ],
      [f('sum_test.go', 'package sum\n\nfunc helper() int { return Sum(1, 2) }\n')],
      OPTIONS,
    );
    expect(r.passed).toBe(0);
    expect(r.tests).toEqual([
      {
        name: 'sum_test.go',
        passed: false,
        message: expect.stringMatching(/no test found in the test files/),
      },
    ]);
  });
});

describe('go test file names', () => {
  const normalize = `normalizeTests gives the paths the harness writes; run uses the same${GO.note}`;
  it.skipIf(GO.skip)(normalize, { timeout: 60_000 }, async () => {
    const go = harnessFor('go');
    const tests = [f('sum.go', TASKS.go.tests[0].content), f('sub/x_test.go', 'package sub\n')];
    expect(go.normalizeTests?.(tests).map((t) => t.path)).toEqual(['sum_test.go', 'sub/x_test.go']);
    // the answer's sum.go next to the test file called sum.go: both are written, the test passes
    const r = await go.run(TASKS.go.files, [tests[0]], OPTIONS);
    expect(r).toMatchObject({ compiled: true, passed: 1, total: 1 });
    for (const lang of TASK_LANGUAGES.filter((l) => l !== 'go'))
      expect(harnessFor(lang).normalizeTests).toBeUndefined();
  });
});
