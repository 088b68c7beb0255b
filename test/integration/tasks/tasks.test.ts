import { afterEach, describe, expect, it } from 'vitest';
import {
  createTaskModels,
  createTaskRunner,
  harnessFor,
  TaskErrorCode,
  type TestHarness,
} from '../../../node/tasks/index.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';

const TS_TESTS = {
  path: 'sum.test.ts',
  content: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';

test('adds two numbers', () => assert.equal(sum(2, 3), 5));
test('sums negatives', () => assert.equal(sum(-2, -3), -5));
test('treats a missing second number as 0', () => assert.equal(sum(4), 4));
`,
};

const answer = (body: string, path = 'sum.ts') =>
  `Here it is.\n\n\`\`\`ts\n// file: ${path}\n${body}\n\`\`\`\n`;
const TS_HALF = answer(
  'export function sum(a: number, b?: number): number {\n  return a + (b as number);\n}',
);
const TS_GOOD = answer('export function sum(a: number, b = 0): number {\n  return a + b;\n}');
const TS_BROKEN = answer(
  'export function sum(a: number, b = 0): number {\n  const s: string = a + b;\n  return a + b;\n}',
);

let servers: WireServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function openai(models: string[]) {
  const s = await startWireServer('openai', { models });
  servers.push(s);
  const env = {
    OPENAI_API_KEY: 'sk-wire-test',
    OPENAI_BASE_URL: s.url,
    WEAVERGEN_MODELS: models.map((m) => `openai:${m}`).join(','),
  };
  return { server: s, models: await createTaskModels({ openai: { maxRetries: 0 } }, { env }) };
}

describe('typescript tasks', () => {
  it('feeds the failing test and its message back; the second answer passes all', async () => {
    const { server, models } = await openai(['gpt-4o-mini']);
    server.script(
      { answer: TS_HALF, inputTokens: 300, outputTokens: 60 },
      { answer: TS_GOOD, inputTokens: 500, outputTokens: 50 },
    );
    const r = await createTaskRunner({ models }).run({
      description: 'a sum function',
      language: 'ts',
      tests: [TS_TESTS],
    });
    expect(r.rounds).toBe(2);
    const [c] = r.candidates;
    expect(c).toMatchObject({
      model: 'openai:gpt-4o-mini',
      compiled: true,
      passed: 3,
      failed: 0,
      total: 3,
      q: 1,
      rounds: 2,
    });
    expect(c.history[0]).toBeCloseTo(2 / 3, 10);
    expect(c.history[1]).toBe(1);
    expect(c.usage).toMatchObject({ inputTokens: 800, outputTokens: 110, priced: true });
    expect(c.usage.costUsd).toBeGreaterThan(0);
    const first = server.requests[0].body.messages.at(-1).content as string;
    expect(first).toContain("import { sum } from './sum.js';");
    expect(first).not.toContain('Correction round');
    const second = server.requests[1].body.messages.at(-1).content as string;
    expect(second).toContain('Correction round 1: your previous answer passed 2 of 3 tests');
    expect(second).toMatch(/sum\.test\.ts > treats a missing second number as 0: .*NaN !== 4/);
    expect(second).toContain('return a + (b as number);');
    expect(r.winner).toBe(0);
    expect(r.decisions.map((d) => d.decision).join('\n')).toMatch(/feeding the failing tests/);
  });

  it('runs two models at once; agreement comes from which tests each passes', async () => {
    const { server, models } = await openai(['gpt-4o-mini', 'gpt-4.1-nano']);
    server.script(
      (req) => ({ answer: req.body.model === 'gpt-4o-mini' ? TS_GOOD : TS_HALF }),
      (req) => ({ answer: req.body.model === 'gpt-4o-mini' ? TS_GOOD : TS_HALF }),
      (req) => ({ answer: req.body.model === 'gpt-4o-mini' ? TS_GOOD : TS_HALF }),
    );
    const r = await createTaskRunner({ models }).run({
      description: 'a sum function',
      language: 'typescript',
      tests: [TS_TESTS],
    });
    expect(r.candidates.map((c) => [c.model, c.passed, c.total])).toEqual([
      ['openai:gpt-4o-mini', 3, 3],
      ['openai:gpt-4.1-nano', 2, 3],
    ]);
    // {3 tests} vs {2 of them}: Jaccard 2/3 both ways
    expect(r.agreement).toBeCloseTo(2 / 3, 5);
    expect(r.winner).toBe(0);
    expect(r.winnerReason).toMatch(/highest quality q=1\.000/);
    // the first round reached the threshold: nobody was asked again
    expect(r.rounds).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('caps a candidate that does not compile at 0.3, even when its tests pass', async () => {
    const { server, models } = await openai(['gpt-4o-mini']);
    server.script({ answer: TS_BROKEN }, { answer: TS_BROKEN });
    const r = await createTaskRunner({ models }).run({
      description: 'a sum function',
      language: 'ts',
      tests: [TS_TESTS],
    });
    const [c] = r.candidates;
    expect(c.compiled).toBe(false);
    expect(c.passed).toBe(3);
    expect(c.q).toBeCloseTo(0.3, 5);
    expect(c.run.diagnostics[0]).toMatch(/^sum\.ts:2:\d+: TS2322/);
    // round 2 saw the compiler error; it brought nothing better, so no third round
    expect(server.requests[1].body.messages.at(-1).content).toContain('TS2322');
    expect(r.rounds).toBe(2);
    expect(r.decisions.map((d) => d.step)).toEqual(['task:round1', 'task:round2', 'task:winner']);
    expect(r.decisions[1]).toMatchObject({
      choice: 'stop',
      reason: expect.stringMatching(/did not improve/),
    });
  });

  it('kills a hanging test at the timeout and reports it as failed', async () => {
    const { server, models } = await openai(['gpt-4o-mini']);
    server.script({ answer: TS_GOOD });
    const tests = {
      path: 'sum.test.ts',
      content: `${TS_TESTS.content}test('hangs', async () => { await new Promise((r) => setTimeout(r, 1e9)); });\n`,
    };
    const started = Date.now();
    const r = await createTaskRunner({ models }).run(
      { description: 'a sum function', language: 'ts', tests: [tests] },
      { maxRounds: 1, testTimeoutMs: 1500 },
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    const [c] = r.candidates;
    expect(c).toMatchObject({ compiled: true, passed: 3, total: 4 });
    const hung = c.run.tests.find((t) => t.name.endsWith('hangs'));
    expect(hung).toMatchObject({ passed: false });
    expect(hung?.message).toMatch(/timed out/);
  });
});

describe('python tasks', () => {
  const PY = toolchain('python');
  const PY_TESTS = {
    path: 'test_sum.py',
    content: `import time
import unittest
from sum import add

class TestSum(unittest.TestCase):
    def test_adds(self):
        self.assertEqual(add(2, 3), 5)

    def test_default(self):
        self.assertEqual(add(4), 4)

    def test_hangs(self):
        time.sleep(1000)
`,
  };
  const name = `runs unittest, fails the hanging test alone, and corrects from feedback${PY.note}`;
  it.skipIf(PY.skip)(name, async () => {
    const { server, models } = await openai(['gpt-4o-mini']);
    const py = (body: string) => `\`\`\`python\n# file: sum.py\n${body}\n\`\`\``;
    server.script(
      { answer: py('def add(a, b):\n    return a + b') },
      { answer: py('def add(a, b=0):\n    return a + b') },
    );
    const r = await createTaskRunner({ models }).run(
      { description: 'add', language: 'py', tests: [PY_TESTS] },
      { testTimeoutMs: 1000, threshold: 0.6 },
    );
    const [c] = r.candidates;
    expect(c).toMatchObject({ compiled: true, passed: 2, total: 3, rounds: 2 });
    expect(c.run.tests.find((t) => t.name.endsWith('test_hangs'))?.message).toMatch(/timed out/);
    expect(server.requests[1].body.messages.at(-1).content).toMatch(
      /test_sum\.TestSum\.test_default: TypeError/,
    );
  });
});

describe('no model configured', () => {
  it('says the template engine cannot write free-form code', async () => {
    const models = await createTaskModels({}, { env: { WEAVERGEN_MODELS: 'builtin' } });
    await expect(
      createTaskRunner({ models }).run({ description: 'x', language: 'ts', tests: [TS_TESTS] }),
    ).rejects.toMatchObject({
      code: TaskErrorCode.NO_MODELS,
      message: expect.stringMatching(/cannot write free-form code/),
    });
  });
});

describe('a harness that throws', () => {
  it('fails that answer with the message; the other model still gets its result', async () => {
    const { server, models } = await openai(['gpt-4o-mini', 'gpt-4.1-nano']);
    server.script({ answer: TS_GOOD }, { answer: TS_GOOD });
    const real = harnessFor('typescript');
    let calls = 0;
    const flaky: TestHarness = {
      ...real,
      run: (files, tests, options) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('EEXIST: file already exists'));
        return real.run(files, tests, options);
      },
    };
    const r = await createTaskRunner({ models, harnesses: { typescript: flaky } }).run(
      {
        description: 'a sum function',
        language: 'ts',
        tests: [TS_TESTS],
      },
      { maxRounds: 1 },
    );
    const [broken, fine] = [...r.candidates].sort((a, b) => a.q - b.q);
    expect(broken.q).toBe(0);
    expect(broken.run.diagnostics[0]).toMatch(/the test run failed: EEXIST/);
    expect(fine.q).toBe(1);
  });
});
