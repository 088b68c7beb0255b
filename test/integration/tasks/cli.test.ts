import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { explain } from '../../../cli/commands/explain.js';
import { task } from '../../../cli/commands/task.js';
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
    vi.stubEnv('WEAVERGEN_MODELS', 'builtin');
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
    const code = await task('a sum function', { lang: 'ts', tests, home: dir });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(
      /no model generator is configured: the built-in template engine cannot write free-form code.*\[TASK_NO_MODELS\]/,
    );
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
