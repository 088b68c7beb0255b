import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { task } from '../../../cli/commands/task.js';

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
