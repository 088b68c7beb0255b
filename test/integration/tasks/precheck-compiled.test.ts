import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { GeneratedFile } from '../../../node/generation/index.js';
import {
  createTaskModels,
  createTaskRunner,
  harnessFor,
  precheckTask,
  type TaskError,
  TaskErrorCode,
} from '../../../node/tasks/index.js';
import { goParseErrors } from '../../../node/tasks/runners/go-check.js';
import { javaParseErrors } from '../../../node/tasks/runners/java-check.js';
import { rustcParseErrors, rustfmt, rustfmtErrors } from '../../../node/tasks/runners/rust-check.js';
import type { TestHarness } from '../../../node/tasks/runners/types.js';
import { cli } from '../../helpers/cli.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';

/**
 * The user's test files for Go, Rust and Java are parsed alone before any model is asked: a syntax
 * error is the user's (TASK_BAD_TESTS with file:line, CLI exit 2, no model round); a test that
 * calls code the model has not written yet is fine.
 */
const GO = toolchain('go');
const RUST = toolchain('rust');
const JAVA = toolchain('java');

const run = (cmd: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(cmd, args, { input, env: { ...process.env, ...env }, timeout: 60_000 });
  return !r.error && r.status === 0;
};
/**
 * What the Rust check can parse with here: rustfmt (rustup's component; Debian's rustc comes
 * without it), else rustc's parse-only mode (RUSTC_BOOTSTRAP=1, -Z parse-crate-root-only or, before
 * Rust 1.79, -Z parse-only). With neither the check returns [] (nothing refused).
 */
const rustcParseOnly = (() => {
  if (RUST.skip) return undefined;
  const rustc = process.env.WEAVERGEN_RUSTC || 'rustc';
  for (const flag of ['parse-crate-root-only', 'parse-only'])
    if (
      run(rustc, ['--edition', '2021', '--crate-type', 'lib', '-Z', flag, '-'], 'fn f() {}\n', {
        RUSTC_BOOTSTRAP: '1',
      })
    )
      return `rustc -Z ${flag}`;
  return undefined;
})();
const rustfmtHere = !RUST.skip && run(rustfmt(), ['--version']);
const rustParser = rustfmtHere ? 'rustfmt' : rustcParseOnly;
const NO_RUST_PARSER =
  'neither rustfmt nor rustc -Z parse-only (RUSTC_BOOTSTRAP=1) works here, so the Rust check returns [] and refuses nothing';
const rustNote = RUST.note || (rustParser ? '' : ` (assertion skipped: ${NO_RUST_PARSER})`);

const GO_BROKEN: GeneratedFile = {
  path: 'sum_test.go',
  content: `package sum

import "testing"

func TestAdds(t *testing.T) {
	if got := Sum(2, 3); got != 5 {
		t.Errorf("Sum(2, 3) = %d, want 5", got
	}
}
`,
};
/**
 * Sum, Counter and the package task/calc are the model's to write; a broken fixture under testdata/
 * (the go tool never compiles it) is no error either
 */
const GO_GOOD: GeneratedFile[] = [
  { path: 'testdata/broken.go', content: 'package broken\n\nfunc (\n' },
  {
    path: 'sum_test.go',
    content: `package sum

import "testing"

func TestAdds(t *testing.T) {
	if got := Sum(2, 3); got != 5 {
		t.Errorf("Sum(2, 3) = %d, want 5", got)
	}
	c := NewCounter()
	c.Add(1)
}
`,
  },
  {
    path: 'calc/calc_test.go',
    content: `package calc_test

import (
	"testing"

	"task/calc"
)

func TestMul(t *testing.T) {
	if calc.Mul(2, 3) != 6 {
		t.Fatal("Mul")
	}
}
`,
  },
];

const RUST_BROKEN: GeneratedFile = {
  path: 'tests.rs',
  content: `use super::*;

#[test]
fn adds() {
    assert_eq!(add(2, 3), 5)
    let c = Counter::new();
}
`,
};
/** `add`, `Counter` and the crate `sum` are the model's to write; `helpers.rs` exists nowhere */
const RUST_GOOD: GeneratedFile = {
  path: 'tests.rs',
  content: `use super::*;
use sum::Counter;
mod helpers;

#[test]
fn adds() {
    assert_eq!(add(2, 3), 5);
    let mut c = Counter::new();
    c.bump();
    assert_eq!(c.value(), helpers::one());
}
`,
};

const JAVA_BROKEN: GeneratedFile = {
  path: 'SumTest.java',
  content: `import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SumTest {
    @Test
    void adds() {
        assertEquals(5, Sum.add(2, 3))
    }
}
`,
};
/** `Sum` and the package `com.example` are the model's to write */
const JAVA_GOOD: GeneratedFile = {
  path: 'SumTest.java',
  content: `import static org.junit.jupiter.api.Assertions.assertEquals;

import com.example.Calc;
import org.junit.jupiter.api.Test;

class SumTest {
    @Test
    void adds() {
        assertEquals(5, Sum.add(2, 3));
        Calc c = new Calc();
        assertEquals(6, c.mul(2, 3));
    }
}
`,
};

interface Case {
  language: 'go' | 'rust' | 'java';
  skip: boolean;
  note: string;
  broken: GeneratedFile;
  good: GeneratedFile[];
  /** the located error of `broken`, as the check and the refusal say it */
  where: RegExp;
}

const CASES: Case[] = [
  {
    language: 'go',
    skip: GO.skip,
    note: GO.note,
    broken: GO_BROKEN,
    good: GO_GOOD,
    where: /sum_test\.go:7:41: missing ',' before newline in argument list/,
  },
  {
    language: 'rust',
    skip: RUST.skip || !rustParser,
    note: rustNote,
    broken: RUST_BROKEN,
    good: [RUST_GOOD],
    where: /tests\.rs:5:29: error: expected `;`, found keyword `let`/,
  },
  {
    language: 'java',
    skip: JAVA.skip,
    note: JAVA.note,
    broken: JAVA_BROKEN,
    good: [JAVA_GOOD],
    where: /SumTest\.java:8:39: error: ';' expected/,
  },
];

const check = (language: string, tests: GeneratedFile[]) => {
  const h: TestHarness = harnessFor(language as 'go');
  if (!h.checkTests) throw new Error(`the ${language} harness has no checkTests`);
  return h.checkTests(tests);
};

let servers: WireServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  vi.unstubAllEnvs();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function openai() {
  const server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  servers.push(server);
  const env = {
    WEAVERGEN_MODELS: 'openai:gpt-4o-mini',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: server.url,
  };
  return { server, env };
}

for (const c of CASES) {
  describe(`${c.language}: the test files parsed alone, before any model round`, () => {
    it.skipIf(c.skip)(`a syntax error is found with its file:line:col${c.note}`, async () => {
      const errors = await check(c.language, [c.broken]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatch(c.where);
      // every error is located in the test file
      for (const e of errors)
        expect(e).toMatch(new RegExp(`^${c.broken.path.replace('.', '\\.')}:\\d+:\\d+: `));
    });

    it.skipIf(c.skip)(
      `tests calling code the model has not written yet pass the check${c.note}`,
      async () => {
        await expect(check(c.language, c.good)).resolves.toEqual([]);
      },
    );

    it.skipIf(c.skip)(
      `the loop refuses the broken tests; the model server gets no request${c.note}`,
      async () => {
        const { server, env } = await openai();
        const models = await createTaskModels({ openai: { maxRetries: 0 } }, { env });
        const err = (await createTaskRunner({ models })
          .run({ description: 'a sum function', language: c.language, tests: [c.broken] })
          .then(
            () => undefined,
            (e: unknown) => e,
          )) as TaskError;
        expect(err).toMatchObject({
          code: TaskErrorCode.BAD_TESTS,
          message: expect.stringMatching(c.where),
        });
        expect(err.message).toMatch(
          /^the test file does not compile \(the errors are in the tests, so no model was asked\)/,
        );
        expect((err.type as { diagnostics?: string[] }).diagnostics?.[0]).toMatch(c.where);
        expect(server.requests).toHaveLength(0);
      },
    );

    it.skipIf(c.skip)(
      `the CLI exits 2 naming file:line; the model server gets no request${c.note}`,
      async () => {
        const { server, env } = await openai();
        const dir = await mkdtemp(join(tmpdir(), 'wg-precheck-'));
        dirs.push(dir);
        const path = join(dir, c.broken.path);
        await writeFile(path, c.broken.content);
        const r = await cli(
          ['task', 'a sum function', '--lang', c.language, '--tests', path, '--home', join(dir, 'home')],
          env,
        );
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^weavergen: the test file does not compile/m);
        expect(r.stderr).toMatch(c.where);
        expect(server.requests).toHaveLength(0);
      },
    );
  });
}

describe('rust without a parser', () => {
  // CI's Debian rustc may come without rustfmt: the check then parses with rustc, or refuses nothing
  it.skipIf(process.platform === 'win32')(
    'a rustc that knows neither parse-only flag, and no rustfmt: the check refuses nothing',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'wg-precheck-rustc-'));
      dirs.push(dir);
      const fake = join(dir, 'rustc');
      await writeFile(
        fake,
        '#!/bin/sh\necho "error: unknown unstable option: \\`parse-only\\`" >&2\nexit 1\n',
        {
          mode: 0o755,
        },
      );
      vi.stubEnv('WEAVERGEN_RUSTC', fake);
      vi.stubEnv('WEAVERGEN_RUSTFMT', '');
      await expect(check('rust', [RUST_BROKEN])).resolves.toEqual([]);
    },
  );

  const fallback = rustcParseOnly ? '' : ' (skipped: rustc -Z parse-only does not work here)';
  it.skipIf(RUST.skip || !!fallback)(
    `without rustfmt, rustc's parse-only mode finds the same error${RUST.note || fallback}`,
    async () => {
      vi.stubEnv('WEAVERGEN_RUSTFMT', join(tmpdir(), 'weavergen-no-such-rustfmt'));
      const errors = await check('rust', [RUST_BROKEN]);
      expect(errors[0]).toMatch(/tests\.rs:5:29: error: expected `;`, found keyword `let`/);
      await expect(check('rust', [RUST_GOOD])).resolves.toEqual([]);
    },
  );
});

describe('a missing toolchain refuses nothing (the run reports it)', () => {
  it.each([
    ['go', 'WEAVERGEN_GOFMT', GO_BROKEN],
    ['rust', 'WEAVERGEN_RUSTC', RUST_BROKEN],
    ['java', 'WEAVERGEN_JAVAC', JAVA_BROKEN],
  ] as const)('%s: %s not found', async (language, variable, broken) => {
    const missing = join(tmpdir(), 'weavergen-no-such-tool');
    vi.stubEnv(variable, missing);
    // a rustc given by path brings its own rustfmt (there is none beside this one)
    if (language === 'rust') vi.stubEnv('WEAVERGEN_RUSTFMT', '');
    await expect(check(language, [broken])).resolves.toEqual([]);
    // the whole pre-check passes, whatever the cache holds for other runs
    await expect(
      precheckTask({ description: 'x', language, tests: [{ ...broken, content: `${broken.content}\n` }] }),
    ).resolves.toHaveLength(1);
  });
});

describe('the parsers of the checks', () => {
  it('gofmt: only located errors of the test files', () => {
    const files = new Set(['sum_test.go', 'calc/calc_test.go']);
    expect(
      goParseErrors(
        [
          "sum_test.go:7:41: missing ',' before newline in argument list",
          './calc/calc_test.go:3:1: expected declaration, found x',
          "other.go:1:1: expected 'package', found 'EOF'",
          'gofmt: something else',
        ].join('\n'),
        files,
      ),
    ).toEqual([
      "sum_test.go:7:41: missing ',' before newline in argument list",
      'calc/calc_test.go:3:1: expected declaration, found x',
    ]);
  });

  it('rustfmt: parse errors with their place; its own internal errors and module lookups are not the user’s', () => {
    const stderr = [
      'error: expected `;`, found keyword `let`',
      ' --> <stdin>:5:29',
      '  |',
      '5 |     assert_eq!(add(2, 3), 5)',
      'error[E0765]: unterminated double quote string',
      ' --> <stdin>:2:10',
      'error[internal]: left behind trailing whitespace',
      ' --> <stdin>:3:1',
      'error[E0583]: file not found for module `helpers`',
      ' --> <stdin>:1:1',
      "error: 'rustfmt' is not installed for the toolchain 'stable-x86_64-unknown-linux-gnu'",
      'error: aborting due to 2 previous errors',
    ].join('\n');
    expect(rustfmtErrors(stderr, 'tests.rs')).toEqual([
      'tests.rs:5:29: error: expected `;`, found keyword `let`',
      'tests.rs:2:10: error[E0765]: unterminated double quote string',
    ]);
  });

  it('rustc short errors: this file only', () => {
    expect(
      rustcParseErrors(
        [
          'tests.rs:5:29: error: expected `;`, found keyword `let`: help: add `;` here',
          'other.rs:1:1: error: expected item',
          'error: aborting due to 1 previous error',
        ].join('\n'),
        'tests.rs',
      ),
    ).toEqual(['tests.rs:5:29: error: expected `;`, found keyword `let`: help: add `;` here']);
  });

  it('javac: the test files’ errors; none at all when the probe says javac went past parsing', () => {
    const files = new Set(['SumTest.java']);
    const parsed = [
      "SumTest.java:8: error: ';' expected",
      '        assertEquals(5, Sum.add(2, 3))',
      '                                      ^',
      '1 error',
    ].join('\n');
    expect(javaParseErrors(parsed, files, '/tmp/x/WeavergenParseProbe.java')).toEqual([
      "SumTest.java:8:39: error: ';' expected",
    ]);
    const attributed = [
      'SumTest.java:9: error: cannot find symbol',
      '        assertEquals(5, Sum.add(2, 3));',
      '                        ^',
      '  symbol:   variable Sum',
      '/tmp/x/WeavergenParseProbe.java:1: error: cannot find symbol',
      'class WeavergenParseProbe { WeavergenParseProbeMissing m; }',
      '                            ^',
      '2 errors',
    ].join('\n');
    expect(javaParseErrors(attributed, files, '/tmp/x/WeavergenParseProbe.java')).toEqual([]);
  });
});
