import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { createNode } from '../../../node/node.js';
import { createStore } from '../../../node/storage/index.js';
import type { TaskRecord } from '../../../node/tasks/index.js';
import { startWireServer } from '../../helpers/wire-servers.js';

const TESTS = {
  path: 'sum.test.ts',
  content:
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n" +
    "test('adds', () => assert.equal(sum(2, 3), 5));\n",
};

it('a task acknowledged before the node stopped runs again at the next start; one without its request is failed', async () => {
  const home = await mkdtemp(join(tmpdir(), 'wg-task-recover-'));
  const server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  try {
    // what a node that was killed mid-task leaves in its store
    const store = await createStore({ path: join(home, 'db') });
    const base = { kind: 'task' as const, createdAt: Date.now(), language: 'ts', tests: ['sum.test.ts'] };
    const interrupted: TaskRecord = {
      ...base,
      id: '000000000000001-tkilled',
      status: 'running',
      description: 'a sum function',
      request: { task: { description: 'a sum function', language: 'ts', tests: [TESTS] }, options: {} },
    };
    const legacy: TaskRecord = { ...base, id: '000000000000002-tlegacy', status: 'queued', description: 'x' };
    await store.put('tasks', interrupted.id, interrupted);
    await store.put('tasks', legacy.id, legacy);
    await store.close();

    server.script({
      answer: '```ts\n// file: sum.ts\nexport const sum = (a: number, b: number) => a + b;\n```\n',
    });
    const node = await createNode(
      await loadConfig(
        {
          home,
          api: { enabled: false },
          network: { enabled: false },
          models: { models: 'openai:gpt-4o-mini', openai: { apiKey: 'sk-test', baseURL: server.url } },
        },
        {},
      ),
    );
    try {
      let record = await node.taskRecord(interrupted.id);
      for (let i = 0; i < 300 && record?.status !== 'succeeded' && record?.status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        record = await node.taskRecord(interrupted.id);
      }
      expect(record).toMatchObject({ status: 'succeeded', result: { rounds: 1 } });
      expect(record?.result?.candidates[0].q).toBe(1);
      expect(await node.taskRecord(legacy.id)).toMatchObject({
        status: 'failed',
        error: { message: expect.stringMatching(/interrupted/) },
      });
    } finally {
      await node.stop();
    }
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
});
