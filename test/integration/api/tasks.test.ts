import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import type { Json } from './harness.js';

const TESTS = {
  path: 'sum.test.ts',
  content: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';

test('adds', () => assert.equal(sum(2, 3), 5));
test('defaults the second number to 0', () => assert.equal(sum(4), 4));
`,
};
const answer = (body: string) => `\`\`\`ts\n// file: sum.ts\n${body}\n\`\`\`\n`;
const HALF = answer('export function sum(a: number, b?: number): number {\n  return a + (b as number);\n}');
const GOOD = answer('export function sum(a: number, b = 0): number {\n  return a + b;\n}');

let openai: WireServer;
const started: { home: string; node: WeaverNode; server: ApiServer }[] = [];

async function start(models: string) {
  const home = await mkdtemp(join(tmpdir(), 'wg-api-tasks-'));
  const config = await loadConfig(
    {
      home,
      api: { port: 0 },
      network: { enabled: false },
      models: { models, openai: { apiKey: 'sk-test', baseURL: openai.url, maxRetries: 0 } },
    },
    {},
  );
  const node = await createNode(config);
  const server = await startApiServer(node, { port: 0 });
  started.push({ home, node, server });
  const call = async (path: string, json?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${server.url}${path}`, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: res.status, body: await res.json() };
  };
  return { node, call };
}

beforeAll(async () => {
  openai = await startWireServer('openai', { models: ['gpt-4o-mini'] });
});

afterAll(async () => {
  for (const s of started) {
    await s.server.close();
    await s.node.stop();
    await rm(s.home, { recursive: true, force: true });
  }
  await openai.close();
});

describe('tasks through the node', () => {
  it('POST /v1/tasks runs the loop; the record, its decisions and their evidence spans can be read back', async () => {
    const { call } = await start('builtin,openai:gpt-4o-mini');
    openai.script({ answer: HALF }, { answer: GOOD });
    const res = await call('/v1/tasks', { description: 'a sum function', language: 'ts', tests: [TESTS] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', links: { self: `/v1/tasks/${res.body.id}` } });
    // acknowledged: stored before the answer, then run in the background
    let record: Json = (await call(`/v1/tasks/${res.body.id}`)).body;
    expect(['queued', 'running', 'succeeded']).toContain(record.status);
    for (let i = 0; i < 300 && !['succeeded', 'failed'].includes(record.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      record = (await call(`/v1/tasks/${res.body.id}`)).body;
    }
    expect(record).toMatchObject({
      kind: 'task',
      status: 'succeeded',
      language: 'ts',
      tests: ['sum.test.ts'],
    });
    expect(record.result.rounds).toBe(2);
    expect(record.result.candidates[0]).toMatchObject({
      model: 'openai:gpt-4o-mini',
      q: 1,
      history: [0.5, 1],
    });

    expect((await call(`/v1/tasks/${record.id}`)).body).toEqual(record);
    const chain = (await call(`/v1/generations/${record.id}/chain`)).body;
    expect(chain.decisions.map((d: Json) => d.step)).toEqual(['task:round1', 'task:round2', 'task:winner']);
    expect(chain.decisions[0].reason).toMatch(/feeding the failing tests/);
    expect(chain.decisions[0].alternatives[0]).toMatch(/1\/2 tests passed/);
    expect(chain.text).toMatch(/task:winner/);
    expect(chain.mermaid).toMatch(/^flowchart/);

    // every piece of evidence is a stored candidate span of this task, with what it measured
    const evidence: string[] = chain.decisions.at(-1).evidence;
    expect(evidence).toHaveLength(2);
    let spans: Json[] = [];
    for (let i = 0; i < 50 && spans.length < 2; i++) {
      spans = (await call(`/v1/spans?generation=${record.id}`)).body.spans.filter(
        (s: Json) => s.name === 'weavergen.task.candidate',
      );
      if (spans.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(spans.map((s) => s.spanId).sort()).toEqual([...evidence].sort());
    const byRound = spans.sort(
      (a, b) => a.attributes['weavergen.reasoning.round'] - b.attributes['weavergen.reasoning.round'],
    );
    expect(byRound.map((s) => s.attributes['weavergen.candidate.attempt'])).toEqual(['first', 'correction']);
    expect(byRound.map((s) => s.attributes['weavergen.quality.q'])).toEqual([0.5, 1]);
  });

  it('rejects bad bodies with the field and the reason', async () => {
    const { call } = await start('builtin,openai:gpt-4o-mini');
    const base = { description: 'a sum function', language: 'ts', tests: [TESTS] };
    const cases: [unknown, RegExp][] = [
      [{ ...base, tests: [] }, /tests: .*at least 1|tests: .*>=1/i],
      [
        { ...base, tests: [{ path: '../escape.test.ts', content: '' }] },
        /tests\.0\.path: a relative file name/,
      ],
      [{ ...base, tests: [{ path: '/etc/passwd', content: '' }] }, /tests\.0\.path/],
      [{ ...base, language: 'cobol' }, /language: tasks support .*not "cobol"/],
      [{ ...base, tests: [{ path: 'my tests.ts', content: '' }] }, /tests\.0\.path: a relative file name/],
      [{ ...base, tests: [TESTS, TESTS] }, /tests: test file sum\.test\.ts is given twice/],
      [
        { ...base, tests: [{ path: 'package.json', content: '{}' }] },
        /tests: test file package\.json: the typescript harness writes that path itself/,
      ],
      [{ ...base, maxRounds: 9 }, /maxRounds/],
      [{ ...base, extra: 1 }, /extra/],
      [{ language: 'ts', tests: [TESTS] }, /description: /],
    ];
    for (const [body, message] of cases) {
      const res = await call('/v1/tasks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_BODY');
      expect(res.body.error.message).toMatch(message);
    }
    expect((await call('/v1/tasks/000000000000001-tmissing')).status).toBe(404);
  });

  it('without a chat model: 409 NO_MODELS saying how to configure one', async () => {
    const { call } = await start('builtin');
    const res = await call('/v1/tasks', { description: 'a sum function', language: 'ts', tests: [TESTS] });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'NO_MODELS' });
    expect(res.body.error.message).toMatch(/WEAVERGEN_MODELS/);
  });
});
