import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTaskModels,
  createTaskRunner,
  harnessFor,
  TaskErrorCode,
  taskLanguage,
} from '../../../node/tasks/index.js';
import { buildErrors, goOutcomes, parseGoTest } from '../../../node/tasks/runners/go.js';
import { javacErrors } from '../../../node/tasks/runners/java.js';
import { parseLibtest, rustcErrors } from '../../../node/tasks/runners/rust.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';

const GO = toolchain('go');
const RUSTC = toolchain('rust');
const JUNIT = toolchain('java', 'junit');

const fixture = (name: string) => readFile(new URL(`../../fixtures/tasks/${name}`, import.meta.url), 'utf8');

let servers: WireServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  vi.unstubAllEnvs();
});

async function openai() {
  const s = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  servers.push(s);
  const env = {
    OPENAI_API_KEY: 'sk-wire-test',
    OPENAI_BASE_URL: s.url,
    WEAVERGEN_MODELS: 'openai:gpt-4o-mini',
  };
  return { server: s, models: await createTaskModels({ openai: { maxRetries: 0 } }, { env }) };
}

const answer = (fence: string, path: string, body: string) =>
  `Here it is.\n\n\`\`\`${fence}\n// file: ${path}\n${body}\n\`\`\`\n`;
const prompt = (server: WireServer, i: number) => server.requests[i].body.messages.at(-1).content as string;
const system = (server: WireServer, i: number) => server.requests[i].body.messages[0].content as string;

describe('languages', () => {
  it('go, golang, rust, rs and java are task languages; others are refused with the list', () => {
    expect(['go', 'golang', 'Rust', 'rs', 'java'].map(taskLanguage)).toEqual([
      'go',
      'go',
      'rust',
      'rust',
      'java',
    ]);
    expect(harnessFor('go').language).toBe('go');
    expect(() => taskLanguage('kotlin')).toThrow(/typescript, python, go, rust, java/);
    expect(() => taskLanguage('constructor')).toThrow(
      expect.objectContaining({ code: TaskErrorCode.UNSUPPORTED_LANGUAGE }),
    );
  });
});

describe('go tasks', () => {
  const TESTS = {
    path: 'sum_test.go',
    content: `package sum

import "testing"

func TestAdds(t *testing.T) {
	if got := Sum(2, 3); got != 5 {
		t.Errorf("Sum(2, 3) = %d, want 5", got)
	}
}

func TestNegatives(t *testing.T) {
	if got := Sum(-2, -3); got != -5 {
		t.Errorf("Sum(-2, -3) = %d, want -5", got)
	}
}
`,
  };
  const GOOD = answer('go', 'sum.go', 'package sum\n\nfunc Sum(a, b int) int {\n\treturn a + b\n}');

  const feeds = `feeds the compiler error back with its file:line; the second answer passes${GO.note}`;
  it.skipIf(GO.skip)(feeds, async () => {
    const { server, models } = await openai();
    server.script(
      { answer: answer('go', 'sum.go', 'package sum\n\nfunc Sum(a, b int) int {\n\treturn a + c\n}') },
      // a test of the answer's own neither runs nor counts
      {
        answer: `${GOOD}${answer('go', 'sum_extra_test.go', 'package sum\n\nimport "testing"\n\nfunc TestFreebie(t *testing.T) {}')}`,
      },
    );
    const r = await createTaskRunner({ models }).run({
      description: 'sum',
      language: 'golang',
      tests: [TESTS],
    });
    expect(r.rounds).toBe(2);
    expect(r.candidates[0]).toMatchObject({ compiled: true, passed: 2, total: 2, q: 1, rounds: 2 });
    expect(r.candidates[0].run.tests.map((t) => t.name)).toEqual(['TestAdds', 'TestNegatives']);
    expect(system(server, 0)).toMatch(/go test -c/);
    const second = prompt(server, 1);
    expect(second).toContain('passed 0 of 2 tests and did not compile');
    expect(second).toMatch(/- sum\.go:4:13: undefined: c/);
    expect(second).toContain('// file: sum.go');
  });

  const hangs = `fails a hanging test as timed out, still runs the tests after it, and does not hang${GO.note}`;
  it.skipIf(GO.skip)(hangs, async () => {
    const { server, models } = await openai();
    server.script({ answer: GOOD });
    const tests = {
      path: 'sum_test.go',
      content: `${TESTS.content.replace('import "testing"', 'import (\n\t"testing"\n\t"time"\n)')}
func TestHangs(t *testing.T) { time.Sleep(time.Hour) }

func TestAfterTheHang(t *testing.T) {
	if Sum(1, 1) != 3 {
		t.Fatalf("Sum(1, 1) = %d, want 3", Sum(1, 1))
	}
}
`,
    };
    const started = Date.now();
    const r = await createTaskRunner({ models }).run(
      { description: 'sum', language: 'go', tests: [tests] },
      { maxRounds: 1, testTimeoutMs: 1500 },
    );
    expect(Date.now() - started).toBeLessThan(40_000);
    const [c] = r.candidates;
    expect(c).toMatchObject({ compiled: true, passed: 2, total: 4 });
    expect(c.run.timedOut).toBe(true);
    expect(c.run.tests.find((t) => t.name === 'TestHangs')).toMatchObject({
      passed: false,
      message: 'timed out after 1.5s',
    });
    // the binary died at the hang: this one ran in a second go test -run
    expect(c.run.tests.find((t) => t.name === 'TestAfterTheHang')).toMatchObject({
      passed: false,
      message: 'sum_test.go:24: Sum(1, 1) = 2, want 3',
    });
  });

  it('reports a missing go as not validated, never a pass', async () => {
    vi.stubEnv('WEAVERGEN_GO', '/nonexistent/go');
    const r = await harnessFor('go').run([{ path: 'sum.go', content: 'package sum\n' }], [TESTS], {
      timeoutMs: 1000,
    });
    expect(r).toMatchObject({ compiled: false, passed: 0, total: 2 });
    expect(r.diagnostics).toEqual(['not validated: /nonexistent/go not found (Debian package: golang-go)']);
    expect(r.tests[0]).toMatchObject({
      name: 'TestAdds',
      message: 'not validated: /nonexistent/go not found (Debian package: golang-go)',
    });
  });
});

describe('go test -json parsing', () => {
  it('reads passes, failures with their t.Errorf line, subtests, skips and the timed-out test', async () => {
    const parsed = parseGoTest(await fixture('go-test2json-timeout.jsonl'));
    expect(parsed.timedOut.get('task')).toBe('1s');
    const outcomes = goOutcomes(parsed).map(({ name, passed, message }) => ({ name, passed, message }));
    expect(outcomes).toEqual([
      { name: 'TestSum', passed: false, message: 'sum_test.go:10: got -1 want 5' },
      { name: 'TestTable', passed: false, message: 'failed' },
      { name: 'TestTable/zero', passed: true, message: undefined },
      { name: 'TestTable/neg_ative', passed: false, message: 'sum_test.go:16: bad' },
      { name: 'TestHang', passed: false, message: 'timed out after 1s' },
    ]);
    // TestSkipped is left out; TestNeverRuns never started (the harness reruns it)
    expect(outcomes.some((o) => o.name === 'TestNeverRuns' || o.name === 'TestSkipped')).toBe(false);
  });

  it('a panic names the panic and the frame in the task files', async () => {
    const outcomes = goOutcomes(parseGoTest(await fixture('go-test2json-panic.jsonl')));
    expect(outcomes.map((o) => [o.name, o.passed, o.message])).toEqual([
      ['TestAt', false, 'panic: runtime error: index out of range [3] with length 0 (at sum.go:5)'],
    ]);
  });

  it('a build failure: the compiler lines become diagnostics', () => {
    const stdout = 'FAIL\ttask [build failed]\n';
    const parsed = parseGoTest(stdout);
    expect([...parsed.buildFailed]).toEqual(['task']);
    const r = {
      code: 2,
      stdout,
      stderr:
        '# task [task.test]\n./sum.go:6:23: undefined: y\n/tmp/w/x/sum_test.go:3:2: "fmt" imported and not used\n',
      timedOut: false,
      notFound: false,
      durationMs: 1,
    };
    expect(buildErrors(r, '/tmp/w/x', true)).toEqual([
      'sum.go:6:23: undefined: y',
      'sum_test.go:3:2: "fmt" imported and not used',
    ]);
    expect(buildErrors({ ...r, stderr: 'go: errors parsing go.mod:\nbad\n' }, '/tmp/w/x', true)).toEqual([
      'go: errors parsing go.mod: bad',
    ]);
  });
});

describe('rust tasks', () => {
  const TESTS = {
    path: 'tests.rs',
    content: `use super::*;

#[test]
fn adds() {
    assert_eq!(sum(2, 3), 5);
}

#[test]
fn treats_none_as_zero() {
    assert_eq!(sum_opt(4, None), 4);
}
`,
  };
  const lib = (op: string) =>
    answer(
      'rust',
      'src/lib.rs',
      `//! sums\n\npub fn sum(a: i32, b: i32) -> i32 {\n    a ${op} b\n}\n\npub fn sum_opt(a: i32, b: Option<i32>) -> i32 {\n    sum(a, b.unwrap_or(0))\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn own_test_is_not_counted() {}\n}`,
    );

  const feeds = `feeds the failing test with its panic message back; the second answer passes${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(feeds, async () => {
    const { server, models } = await openai();
    server.script({ answer: lib('-') }, { answer: lib('+') });
    const r = await createTaskRunner({ models }).run({ description: 'sum', language: 'rs', tests: [TESTS] });
    expect(r.rounds).toBe(2);
    expect(r.candidates[0]).toMatchObject({ compiled: true, passed: 2, total: 2, q: 1, rounds: 2 });
    expect(r.candidates[0].run.tests.map((t) => t.name)).toEqual([
      'tests.rs > adds',
      'tests.rs > treats_none_as_zero',
    ]);
    expect(system(server, 0)).toMatch(/use super::\*;.*rustc --edition 2021 --test/);
    const second = prompt(server, 1);
    expect(second).toContain('passed 1 of 2 tests');
    // rustc >= 1.73 prints the location first, Debian's 1.63 after the message
    expect(second).toMatch(/- tests\.rs > adds: panicked at /);
    expect(second).toMatch(/- tests\.rs > adds: panicked at [\s\S]*tests\.rs:5:5/);
    expect(second).toMatch(/left: `?-1`?[\s\S]*right: `?5/);
  });

  const hangs = `a compile error comes back as file:line:col; a hanging test times out alone${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(hangs, async () => {
    const { server, models } = await openai();
    server.script({ answer: lib('+ "x" +') }, { answer: lib('+') });
    const tests = {
      path: 'tests.rs',
      content: `${TESTS.content}
#[test]
fn hangs() {
    loop {
        std::hint::spin_loop();
    }
}
`,
    };
    const started = Date.now();
    const r = await createTaskRunner({ models }).run(
      { description: 'sum', language: 'rust', tests: [tests] },
      { testTimeoutMs: 1000, threshold: 0.6 },
    );
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(prompt(server, 1)).toMatch(/- src\/lib\.rs:4:\d+: error\[E0277\]: cannot add `&str` to `i32`/);
    const [c] = r.candidates;
    expect(c).toMatchObject({ compiled: true, passed: 2, total: 3, rounds: 2 });
    expect(c.run.timedOut).toBe(true);
    expect(c.run.tests.find((t) => t.name === 'tests.rs > hangs')).toMatchObject({
      passed: false,
      message: 'timed out after 1s',
    });
  });

  const byName = `integration-style tests that import the crate by name compile too (the crate takes that name)${RUSTC.note}`;
  it.skipIf(RUSTC.skip)(byName, async () => {
    const r = await harnessFor('rust').run(
      [
        { path: 'src/lib.rs', content: 'mod util;\npub use util::add;\n' },
        { path: 'src/util.rs', content: 'pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n' },
      ],
      [
        {
          path: 'tests/sum.rs',
          content: 'use my_sum::add;\n\n#[test]\nfn adds() {\n    assert_eq!(add(1, 2), 4);\n}\n',
        },
      ],
      { timeoutMs: 5000 },
    );
    expect(r).toMatchObject({ compiled: true, passed: 0, total: 1 });
    expect(r.tests[0]).toMatchObject({ name: 'tests/sum.rs > adds', passed: false });
    expect(r.tests[0].message).toMatch(/^panicked at .*tests\/sum\.rs:5:5/);
  });

  it('no crate root, or no rustc: failing tests, never a pass', async () => {
    const none = await harnessFor('rust').run(
      [
        { path: 'src/a.rs', content: '' },
        { path: 'b.rs', content: '' },
      ],
      [TESTS],
      {
        timeoutMs: 1000,
      },
    );
    expect(none).toMatchObject({ compiled: false, passed: 0, total: 2 });
    expect(none.diagnostics[0]).toMatch(/no crate root/);
    vi.stubEnv('WEAVERGEN_RUSTC', '/nonexistent/rustc');
    const r = await harnessFor('rust').run([{ path: 'src/lib.rs', content: '' }], [TESTS], {
      timeoutMs: 1000,
    });
    expect(r).toMatchObject({ compiled: false, passed: 0, total: 2 });
    expect(r.tests.map((t) => t.message)).toEqual([
      'not validated: /nonexistent/rustc not found (Debian package: rustc)',
      'not validated: /nonexistent/rustc not found (Debian package: rustc)',
    ]);
  });
});

describe('libtest output parsing', () => {
  it('reads ok, FAILED with the panic, should-panic and ignored tests', async () => {
    const r = parseLibtest(await fixture('libtest.txt'));
    expect(Object.fromEntries(r)).toEqual({
      '__weavergen_tests_0::adds': {
        status: 'failed',
        message: 'panicked at tests.rs:5:5: assertion `left == right` failed left: -1 right: 5',
      },
      '__weavergen_tests_0::later': { status: 'ignored' },
      '__weavergen_tests_0::more::says_why': {
        status: 'failed',
        message: 'panicked at tests.rs:27:9: math is broken',
      },
      '__weavergen_tests_0::overflows': { status: 'ok' },
      '__weavergen_tests_0::subtracts': { status: 'ok' },
    });
  });

  it('reads the panic format of Rust before 1.73 (Debian bookworm rustc 1.63)', () => {
    const out = `
running 1 test
test __weavergen_tests_0::adds ... FAILED

failures:

---- __weavergen_tests_0::adds stdout ----
thread '__weavergen_tests_0::adds' panicked at 'assertion failed: \`(left == right)\`
  left: \`-1\`,
 right: \`5\`', src/../tests.rs:5:5
note: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace


failures:
    __weavergen_tests_0::adds

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 4 filtered out; finished in 0.00s
`;
    expect(parseLibtest(out).get('__weavergen_tests_0::adds')).toEqual({
      status: 'failed',
      message: "panicked at 'assertion failed: `(left == right)` left: `-1`, right: `5`', tests.rs:5:5",
    });
  });

  it('rustc short errors, warnings dropped', () => {
    const stderr = `src/lib.rs:5:54: error[E0277]: cannot add \`&str\` to \`i32\`: no implementation for \`i32 + &str\`
src/../tests.rs:18:19: warning: unused variable: \`x\`
error: aborting due to 1 previous error; 1 warning emitted
`;
    expect(rustcErrors(stderr)).toEqual([
      'src/lib.rs:5:54: error[E0277]: cannot add `&str` to `i32`: no implementation for `i32 + &str`',
    ]);
  });
});

describe('java tasks', () => {
  const TESTS = {
    path: 'SumTest.java',
    content: `import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SumTest {
  @Test
  void adds() {
    assertEquals(5, Sum.sum(2, 3));
  }

  @Test
  void negatives() {
    assertEquals(-5, Sum.sum(-2, -3));
  }
}
`,
  };
  const sum = (body: string) =>
    answer(
      'java',
      'Sum.java',
      `public class Sum {\n  public static int sum(int a, int b) {\n    ${body}\n  }\n}`,
    );

  const feeds = `feeds the failing test with its message back; the second answer passes${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(feeds, async () => {
    const { server, models } = await openai();
    server.script(
      { answer: sum('return a + b + 1;') },
      // a test class of the answer's own neither runs nor counts
      {
        answer: `${sum('return a + b;')}${answer('java', 'FreebieTest.java', 'class FreebieTest {\n  @org.junit.jupiter.api.Test\n  void free() {}\n}')}`,
      },
    );
    const r = await createTaskRunner({ models }).run({
      description: 'sum',
      language: 'java',
      tests: [TESTS],
    });
    expect(r.rounds).toBe(2);
    expect(r.candidates[0]).toMatchObject({ compiled: true, passed: 2, total: 2, q: 1, rounds: 2 });
    expect(r.candidates[0].run.tests.map((t) => t.name).sort()).toEqual([
      'SumTest.adds()',
      'SumTest.negatives()',
    ]);
    expect(system(server, 0)).toMatch(/javac.*JUnit 5/);
    const second = prompt(server, 1);
    expect(second).toContain('passed 0 of 2 tests');
    expect(second).toContain('- SumTest.adds(): expected: <5> but was: <6> (at SumTest.java:8)');
  });

  const spins = `a compile error comes back as file:line:col; a spinning test times out and the run ends${JUNIT.note}`;
  it.skipIf(JUNIT.skip)(spins, async () => {
    const { server, models } = await openai();
    server.script({ answer: sum('return "x";') }, { answer: sum('return a + b;') });
    const tests = {
      path: 'SumTest.java',
      content: TESTS.content.replace(
        /}\n$/,
        '\n  @Test\n  void spins() {\n    while (true) {\n      Thread.onSpinWait();\n    }\n  }\n}\n',
      ),
    };
    const started = Date.now();
    const r = await createTaskRunner({ models }).run(
      { description: 'sum', language: 'java', tests: [tests] },
      { testTimeoutMs: 1000, threshold: 0.6 },
    );
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(prompt(server, 1)).toMatch(
      /- Sum\.java:3:12: error: incompatible types: String cannot be converted to int/,
    );
    const [c] = r.candidates;
    expect(c).toMatchObject({ compiled: true, passed: 2, total: 3, rounds: 2 });
    expect(c.run.tests.find((t) => t.name === 'SumTest.spins()')).toMatchObject({ passed: false });
    expect(c.run.tests.find((t) => t.name === 'SumTest.spins()')?.message).toMatch(
      /^TimeoutException: spins\(\) timed out after 1000 milliseconds \(at SumTest\.java:1[89]\)$/,
    );
  });

  it('without the JUnit jar nothing passes: not validated', async () => {
    vi.stubEnv('WEAVERGEN_JUNIT_JAR', '/nonexistent/junit.jar');
    const r = await harnessFor('java').run(
      [{ path: 'Sum.java', content: 'public class Sum {}\n' }],
      [TESTS],
      {
        timeoutMs: 1000,
      },
    );
    const message = 'not validated: junit-platform-console-standalone.jar not found (apt-get install junit5)';
    expect(r).toMatchObject({ compiled: false, passed: 0, total: 2, diagnostics: [message] });
    expect(r.tests).toEqual([
      { name: 'SumTest.adds()', passed: false, message },
      { name: 'SumTest.negatives()', passed: false, message },
    ]);
  });
});

describe('javac parsing', () => {
  it('javac errors get the caret column and the symbol details', () => {
    const stderr = `STest.java:1: error: cannot find symbol
class STest { @org.junit.jupiter.api.Test void x() { Sum.add(1, 2); } }
                                                        ^
  symbol:   method add(int,int)
  location: class Sum
Sum.java:2: error: incompatible types: String cannot be converted to int
  public static int sum(int a, int b) { return "x"; }
                                               ^
2 errors
`;
    expect(javacErrors(stderr)).toEqual([
      'STest.java:1:57: error: cannot find symbol (symbol: method add(int,int); location: class Sum)',
      'Sum.java:2:48: error: incompatible types: String cannot be converted to int',
    ]);
  });
});
