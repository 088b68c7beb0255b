import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';

/**
 * A prediction runs in one of the node's shared slots, so it waits for every tenant's work, not
 * only its own tenant's: another tenant's task in flight holds it back until the task ends.
 */
const GOOD =
  '```ts\n// file: sum.ts\nexport function sum(a: number, b = 0): number {\n  return a + b;\n}\n```\n';
const TESTS = {
  path: 'sum.test.ts',
  content:
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n" +
    "test('adds', () => assert.equal(sum(2, 3), 5));\n",
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let node: WeaverNode | undefined;
let server: WireServer | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await node?.stop();
  await server?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it("a prediction waits while another tenant's task runs, and runs once it has ended", async () => {
  server = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: { answer: GOOD } });
  const home = await mkdtemp(join(tmpdir(), 'wg-predict-'));
  const registry = await mkdtemp(join(tmpdir(), 'wg-predict-reg-'));
  dirs.push(home, registry);
  await cp(MINI_REGISTRY, registry, { recursive: true });
  node = await createNode(
    await loadConfig({
      home,
      network: { enabled: false },
      generation: { predict: { enabled: true, debounceMs: 200 } },
      models: { models: 'builtin,openai:gpt-4o-mini', openai: { apiKey: 'sk-test', baseURL: server.url } },
    }),
  );
  await node.tenancy.create({ id: 'other' });
  const other = await node.forTenant('other');
  // the default tenant's habit (the built-in templates only: no model answer is spent on them)
  for (let i = 0; i < 2; i++) {
    const r = await (await node.generate({ registry, languages: ['typescript'], models: ['builtin'] })).done;
    expect(r.status).toBe('succeeded');
  }
  // the other tenant's task, its model's answer held until the test lets it go
  let release = () => {};
  server.script({ after: new Promise<void>((r) => (release = r)), reply: { answer: GOOD } });
  const task = await other.task({ description: 'a sum function', language: 'ts', tests: [TESTS] });
  for (let i = 0; i < 600 && server.requests.length === 0; i++) await sleep(50);
  expect(server.requests.length).toBeGreaterThan(0);

  const before = Date.now();
  const file = join(registry, 'shop', 'registry.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(/brief: ([^\n]*)/, 'brief: $1 (edited)'));
  const predictions = async () =>
    (await node!.generations(50)).filter((r) => r.origin === 'prediction' && r.createdAt > before);
  // the debounce (0.2 s) and two of the prefetcher's retries while busy
  await sleep(2500);
  expect(await predictions()).toEqual([]);

  release();
  expect((await task.done).status).toBe('succeeded');
  let ahead = await predictions();
  for (let i = 0; i < 600 && !ahead.some((r) => r.status === 'succeeded'); i++) {
    await sleep(50);
    ahead = await predictions();
  }
  expect(ahead.find((r) => r.status === 'succeeded')?.request).toMatchObject({
    registry,
    languages: ['typescript'],
    models: ['builtin'],
  });
});
