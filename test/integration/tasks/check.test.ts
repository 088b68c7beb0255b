import { afterEach, describe, expect, it } from 'vitest';
import { checkTests } from '../../../node/tasks/check.js';
import {
  checkTask,
  createTaskModels,
  createTaskRunner,
  harnessFor,
  TaskErrorCode,
} from '../../../node/tasks/index.js';
import { toolchain } from '../../helpers/tools.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';

let servers: WireServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const GO_TESTS = `package sum

import "testing"

func TestAdds(t *testing.T) {
	if Sum(2, 3) != 5 {
		t.Fatal("Sum(2, 3) != 5")
	}
}
`;

const GO = toolchain('go');

describe('test files a task accepts', () => {
  it('refuses odd names, a name given twice (also once renamed) and the harness’s own files', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return 'accepted';
    };
    const t = (path: string) => ({ path, content: '' });
    expect(code(() => checkTask({ description: 'd', language: 'ts', tests: [] }))).toBe(
      TaskErrorCode.NO_TESTS,
    );
    expect(code(() => checkTask({ description: 'd', language: 'ts', tests: [t('a b.test.ts')] }))).toBe(
      TaskErrorCode.BAD_TESTS,
    );
    expect(code(() => checkTask({ description: 'd', language: 'ts', tests: [t('../x.test.ts')] }))).toBe(
      TaskErrorCode.BAD_TESTS,
    );
    expect(
      code(() => checkTask({ description: 'd', language: 'py', tests: [t('__weavergen_runner.py')] })),
    ).toBe(TaskErrorCode.BAD_TESTS);
    expect(
      code(() => checkTask({ description: 'd', language: 'go', tests: [t('sum.go'), t('sum_test.go')] })),
    ).toBe(TaskErrorCode.BAD_TESTS);
    expect(code(() => checkTask({ description: 'd', language: 'cobol', tests: [t('x')] }))).toBe(
      TaskErrorCode.UNSUPPORTED_LANGUAGE,
    );
    expect(
      code(() =>
        checkTask({ description: 'd', language: 'ts', tests: [t('sum.test.ts'), t('lib/more.test.ts')] }),
      ),
    ).toBe('accepted');
    expect(checkTests([t('sum.go')], harnessFor('go')).map((f) => f.path)).toEqual(['sum_test.go']);
  });

  const goFileName = `a Go test file not named *_test.go leaves the answer’s file of that name alone${GO.note}`;
  it.skipIf(GO.skip)(goFileName, { timeout: 60_000 }, async () => {
    const server = await startWireServer('openai', { models: ['gpt-4o-mini'] });
    servers.push(server);
    server.script({
      answer: '```go\n// file: sum.go\npackage sum\n\nfunc Sum(a, b int) int {\n\treturn a + b\n}\n```\n',
    });
    const models = await createTaskModels(
      { openai: { maxRetries: 0 } },
      {
        env: {
          OPENAI_API_KEY: 'sk-test',
          OPENAI_BASE_URL: server.url,
          WEAVERGEN_MODELS: 'openai:gpt-4o-mini',
        },
      },
    );
    const r = await createTaskRunner({ models }).run({
      description: 'Sum(a, b int) int',
      language: 'go',
      tests: [{ path: 'sum.go', content: GO_TESTS }],
    });
    expect(r.candidates[0]).toMatchObject({ compiled: true, passed: 1, total: 1, q: 1 });
    expect(r.candidates[0].files.map((f) => f.path)).toEqual(['sum.go']);
  });
});
