import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { announce } from '../../../cli/client.js';
import { explain } from '../../../cli/commands/explain.js';
import { task } from '../../../cli/commands/task.js';
import { startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode } from '../../../node/node.js';
import { cli } from '../../helpers/cli.js';
import { startWireServer } from '../../helpers/wire-servers.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

it('weavergen task with no model configured exits 2 with a clear message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-task-cli-'));
  try {
    const tests = join(dir, 'sum.test.ts');
    await writeFile(tests, "import { test } from 'node:test';\ntest('x', () => {});\n");
    const r = await cli(['task', 'a sum function', '--lang', 'ts', '--tests', tests, '--home', dir], {
      WEAVERGEN_MODELS: 'builtin',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^weavergen: no model generator is configured: the built-in template engine cannot write free-form code.*WEAVERGEN_MODELS/m,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('weavergen task without a running node keeps its decisions in the home; weavergen explain shows them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-task-cli-'));
  const server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  try {
    const tests = join(dir, 'sum.test.ts');
    await writeFile(
      tests,
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n" +
        "test('adds', () => assert.equal(sum(2, 3), 5));\ntest('defaults b to 0', () => assert.equal(sum(4), 4));\n",
    );
    const answer = (body: string) => `\`\`\`ts\n// file: sum.ts\n${body}\n\`\`\`\n`;
    server.script(
      {
        answer: answer(
          'export function sum(a: number, b?: number): number {\n  return a + (b as number);\n}',
        ),
      },
      { answer: answer('export function sum(a: number, b = 0): number {\n  return a + b;\n}') },
    );
    vi.stubEnv('WEAVERGEN_MODELS', 'openai:gpt-4o-mini');
    vi.stubEnv('OPENAI_API_KEY', 'sk-test');
    vi.stubEnv('OPENAI_BASE_URL', server.url);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = join(dir, 'home');
    expect(await task('a sum function', { lang: 'ts', tests, home })).toBe(0);
    const printed = out.join('');
    expect(printed).toMatch(/openai:gpt-4o-mini: compiled, tests 2\/2, q=1\.000 \(by round 0\.50 -> 1\.00\)/);
    const id = /why: weavergen explain (\S+)/.exec(printed)![1];
    // no node runs on the home: the task's node stopped with the command, so no dashboard page
    expect(printed).not.toMatch(/dashboard: /);
    out.length = 0;
    expect(await explain(id, { home })).toBe(0);
    const chain = out.join('');
    expect(chain).toMatch(/task:round1[\s\S]*feeding the failing tests[\s\S]*task:round2[\s\S]*task:winner/);
    // the evidence is span ids of the task's candidates
    expect(chain).toMatch(/evidence: span [0-9a-f]{16}, span [0-9a-f]{16}/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

it("weavergen task prints the winner's located compiler errors in text mode (the first 10)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-task-cli-'));
  const server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  try {
    const tests = join(dir, 'sum.test.ts');
    await writeFile(
      tests,
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n" +
        "test('adds', () => assert.equal(sum(2, 3), 5));\n",
    );
    // twelve type errors, every round
    const body = Array.from({ length: 12 }, (_, i) => `export const x${i}: number = 'no';`).join('\n');
    const answer = {
      answer: `\`\`\`ts\n// file: sum.ts\n${body}\nexport const sum = (a: number, b: number) => a + b;\n\`\`\`\n`,
    };
    server.script(answer, answer, answer, answer, answer);
    vi.stubEnv('WEAVERGEN_MODELS', 'openai:gpt-4o-mini');
    vi.stubEnv('OPENAI_API_KEY', 'sk-test');
    vi.stubEnv('OPENAI_BASE_URL', server.url);
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await task('a sum function', { lang: 'ts', tests, home: join(dir, 'home') })).toBe(1);
    const printed = out.join('');
    expect(printed).toMatch(/did not compile/);
    const listed = printed.split('\n').filter((l) => /^ {2}sum\.ts:\d+:\d+: TS2322: /.test(l));
    expect(listed).toHaveLength(10);
    expect(listed[0]).toBe("  sum.ts:1:14: TS2322: Type 'string' is not assignable to type 'number'.");
    expect(printed).toContain('\ndiagnostics:\n');
    expect(printed).toContain('  (2 more: weavergen task --json lists them all)');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

it('weavergen task goes through the node running on the home, and waits for the task to end', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-task-cli-'));
  const server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
  const home = join(dir, 'home');
  const node = await createNode(
    await loadConfig(
      {
        home,
        api: { port: 0 },
        network: { enabled: false },
        models: { models: 'openai:gpt-4o-mini', openai: { apiKey: 'sk-test', baseURL: server.url } },
      },
      {},
    ),
  );
  const api = await startApiServer(node, { port: 0 });
  try {
    await announce(home, { url: api.url, pid: process.pid, startedAt: Date.now() });
    const tests = join(dir, 'sum.test.ts');
    await writeFile(
      tests,
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n" +
        "test('adds', () => assert.equal(sum(2, 3), 5));\n",
    );
    server.script({
      answer: '```ts\n// file: sum.ts\nexport const sum = (a: number, b: number) => a + b;\n```\n',
    });
    // the CLI's own environment has no model: only the node's configuration can answer
    vi.stubEnv('WEAVERGEN_MODELS', 'builtin');
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
    expect(await task('a sum function', { lang: 'ts', tests, home })).toBe(0);
    const id = /task (\S+) runs on the node at/.exec(err.join(''))![1];
    expect(out.join('')).toContain(`task ${id} (typescript): 1 round`);
    // the task's dashboard page, as generate prints the generation's
    expect(out.join('')).toMatch(new RegExp(`\ndashboard: http://127\\.0\\.0\\.1:\\d+/#/tasks/${id}\n$`));
    expect(await node.taskRecord(id)).toMatchObject({ status: 'succeeded' });
  } finally {
    await api.close();
    await node.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
