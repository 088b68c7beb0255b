import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { announce } from '../../../cli/client.js';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import {
  createTaskModels,
  createTaskRunner,
  precheckTask,
  TaskErrorCode,
} from '../../../node/tasks/index.js';
import { cli } from '../../helpers/cli.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';

/**
 * Issue 19, items 4-6: what is the user's own error (tests that do not compile, an empty
 * description) is refused before any model round, the same way with or without a node; a model that
 * cannot answer is reported with its real reason first.
 */
const PY = toolchain('python');

const GOOD_TS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';

test('adds', () => assert.equal(sum(2, 3), 5));
`;
/** a syntax error on line 5 */
const BROKEN_TS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';

test('adds', () => assert.equal(sum(2, 3), 5);
`;
/** a type error of the test's own, on line 4: no answer can fix it */
const MISTYPED_TS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';
const expected: number = 'five';
test('adds', () => assert.equal(sum(2, 3), expected));
`;
const BROKEN_PY =
  'import unittest\nfrom sum import add\n\nclass T(unittest.TestCase)\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n';

let servers: WireServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function openai(opts: { models?: string[]; keys?: string[] } = {}) {
  const s = await startWireServer('openai', { models: opts.models ?? ['gpt-4o-mini'], keys: opts.keys });
  servers.push(s);
  return s;
}

const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'wg-task-input-'));
  dirs.push(d);
  return d;
};

async function testFile(name: string, content: string) {
  const dir = await tempDir();
  const path = join(dir, name);
  await writeFile(path, content);
  return { dir, path };
}

const envFor = (server: WireServer, model = 'gpt-4o-mini', key = 'sk-test') => ({
  WEAVERGEN_MODELS: `openai:${model}`,
  OPENAI_API_KEY: key,
  OPENAI_BASE_URL: server.url,
});

describe('4. a test file that does not compile is the user’s error', () => {
  it('the loop refuses it with located errors before asking any model', async () => {
    const server = await openai();
    const models = await createTaskModels({ openai: { maxRetries: 0 } }, { env: envFor(server) });
    const runner = createTaskRunner({ models });
    for (const [content, where] of [
      [BROKEN_TS, /sum\.test\.ts:5:\d+: TS1005: '\)' expected/],
      [MISTYPED_TS, /sum\.test\.ts:4:7: TS2322: Type 'string' is not assignable to type 'number'/],
    ] as const)
      await expect(
        runner.run({
          description: 'a sum function',
          language: 'ts',
          tests: [{ path: 'sum.test.ts', content }],
        }),
      ).rejects.toMatchObject({
        code: TaskErrorCode.BAD_TESTS,
        message: expect.stringMatching(where),
      });
    expect(server.requests).toHaveLength(0);
  });

  it('a test importing the module the model is to write is fine before the model wrote it', async () => {
    await expect(
      precheckTask({ description: 'x', language: 'ts', tests: [{ path: 'sum.test.ts', content: GOOD_TS }] }),
    ).resolves.toEqual([{ path: 'sum.test.ts', content: GOOD_TS }]);
  });

  it.skipIf(PY.skip)(`python: py_compile of the tests alone, with the line${PY.note}`, async () => {
    await expect(
      precheckTask({
        description: 'x',
        language: 'py',
        tests: [{ path: 'test_sum.py', content: BROKEN_PY }],
      }),
    ).rejects.toMatchObject({
      code: TaskErrorCode.BAD_TESTS,
      message: expect.stringMatching(/test_sum\.py:4:\d+: SyntaxError: expected ':'/),
    });
  });

  it('the CLI exits 2 with the file:line of each error; no model is asked', async () => {
    const server = await openai();
    const { path, dir } = await testFile('sum.test.ts', BROKEN_TS);
    const r = await cli(
      ['task', 'a sum function', '--lang', 'ts', '--tests', path, '--home', join(dir, 'home')],
      {
        ...envFor(server),
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^weavergen: the test file does not compile/m);
    expect(r.stderr).toMatch(/sum\.test\.ts:5:\d+: TS1005/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('5. an empty description', () => {
  it('is refused by the check both paths use', async () => {
    for (const description of ['', '   \n\t'])
      await expect(
        precheckTask({ description, language: 'ts', tests: [{ path: 'sum.test.ts', content: GOOD_TS }] }),
      ).rejects.toThrow(/^the task description is empty/);
  });

  it('the CLI without a node exits 2 with one line, and asks no model', async () => {
    const server = await openai();
    const { path, dir } = await testFile('sum.test.ts', GOOD_TS);
    for (const description of ['', '   ']) {
      const r = await cli(
        ['task', description, '--lang', 'ts', '--tests', path, '--home', join(dir, 'home')],
        {
          ...envFor(server),
        },
      );
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^weavergen: the task description is empty/),
      ]);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('with a node serving the API', () => {
  let node: WeaverNode;
  let api: ApiServer;
  let home: string;
  let server: WireServer;
  beforeAll(async () => {
    server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
    home = join(await tempDir(), 'home');
    node = await createNode(
      await loadConfig(
        {
          home,
          api: { port: 0 },
          network: { enabled: false },
          models: {
            models: 'openai:gpt-4o-mini',
            openai: { apiKey: 'sk-test', baseURL: server.url, maxRetries: 0 },
          },
        },
        {},
      ),
    );
    api = await startApiServer(node, { port: 0 });
    await announce(home, { url: api.url, pid: process.pid, startedAt: Date.now() });
  });
  afterAll(async () => {
    await api.close();
    await node.stop();
    await server.close();
  });
  const post = async (body: unknown) => {
    const res = await fetch(`${api.url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };

  it('5. the CLI through the node: the same exit 2 and the same line', async () => {
    const { path } = await testFile('sum.test.ts', GOOD_TS);
    const r = await cli(['task', '  ', '--lang', 'ts', '--tests', path, '--home', home], {
      WEAVERGEN_MODELS: 'builtin',
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^weavergen: the task description is empty/),
    ]);
  });

  it('5. POST /v1/tasks with a blank description is a 400 naming the field', async () => {
    const r = await post({
      description: ' \n ',
      language: 'ts',
      tests: [{ path: 'sum.test.ts', content: GOOD_TS }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/^description: the task description is empty/);
  });

  it('4. POST /v1/tasks with tests that do not compile is refused with the located errors; nothing runs', async () => {
    const before = server.requests.length;
    const r = await post({
      description: 'a sum',
      language: 'ts',
      tests: [{ path: 'sum.test.ts', content: BROKEN_TS }],
    });
    expect([400, 422]).toContain(r.status);
    expect(r.body.error?.message).toMatch(/sum\.test\.ts:5:\d+: TS1005/);
    expect(server.requests.length).toBe(before);
  });
});

describe('6. the real reason first when no model can answer', () => {
  it('a wrong key: the message leads with the model and the 401', async () => {
    const server = await openai({ keys: ['sk-right'] });
    const { path, dir } = await testFile('sum.test.ts', GOOD_TS);
    const r = await cli(['task', 'a sum', '--lang', 'ts', '--tests', path, '--home', join(dir, 'home')], {
      ...envFor(server, 'gpt-4o-mini', 'sk-wrong'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^weavergen: openai:gpt-4o-mini: .*401/m);
    expect(r.stderr).not.toMatch(/^weavergen: no model generator is configured/m);
  });

  it('an unknown model: the message leads with the model the server does not offer', async () => {
    const server = await openai();
    const models = await createTaskModels({ openai: { maxRetries: 0 } }, { env: envFor(server, 'gpt-x') });
    await expect(
      createTaskRunner({ models }).run({
        description: 'a sum',
        language: 'ts',
        tests: [{ path: 'sum.test.ts', content: GOOD_TS }],
      }),
    ).rejects.toMatchObject({
      code: TaskErrorCode.NO_MODELS,
      message: expect.stringMatching(/^openai:gpt-x: .*does not offer the model gpt-x/),
    });
  });
});
