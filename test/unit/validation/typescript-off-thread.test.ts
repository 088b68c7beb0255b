import { afterAll, describe, expect, it } from 'vitest';
import { typescriptSymbols } from '../../../node/validation/symbols/typescript.js';
import type { SourceFile, ToolchainResult } from '../../../node/validation/toolchain.js';
import { createTypescriptToolchain } from '../../../node/validation/toolchains/typescript.js';
import {
  checkTypescriptOffThread,
  closeTypescriptProcesses,
  typescriptSymbolsOffThread,
} from '../../../node/validation/typescript-off-thread.js';

afterAll(() => closeTypescriptProcesses());

const CASES: Record<string, SourceFile[]> = {
  clean: [
    {
      path: 'attributes.ts',
      content:
        "/** The HTTP method. */\nexport const ATTR_HTTP_METHOD = 'http.method';\n/** @deprecated use ATTR_HTTP_METHOD */\nexport const ATTR_METHOD = 'method';\nexport const Values = { GET: 'GET', POST: 'POST' } as const;\nexport const ATTR_HEADER = (key: string) => 'http.header.' + key;\n",
    },
    { path: 'index.ts', content: "export * from './attributes.js';\n" },
  ],
  'type errors': [
    {
      path: 'bad.ts',
      content: "export const A: number = 'a';\nconst unused = 1;\nexport const B = missing;\n",
    },
  ],
  'no TypeScript': [{ path: 'README.md', content: '# nothing to compile' }],
};

const same = (r: ToolchainResult) => ({ ...r, durationMs: 0 });

describe('the TypeScript check and symbols in a child process', () => {
  it('give what the in-process toolchain and extractor give', async () => {
    const toolchain = createTypescriptToolchain();
    for (const [name, files] of Object.entries(CASES)) {
      const [off, on] = await Promise.all([checkTypescriptOffThread(files), toolchain.validate(files)]);
      expect(same(off), name).toEqual(same(on));
      expect(await typescriptSymbolsOffThread(files), name).toEqual(typescriptSymbols.extract(files));
    }
    expect(same(await checkTypescriptOffThread(CASES['type errors'])).errors).toBeGreaterThan(1);
  });

  it('a check past its budget fails with the reason, and the next one runs', async () => {
    const big = [
      {
        path: 'big.ts',
        content: Array.from({ length: 60_000 }, (_, i) => `export const a${i}: number = ${i};`).join('\n'),
      },
    ];
    const over = await checkTypescriptOffThread(big, { timeoutMs: 50 });
    expect(over).toMatchObject({ status: 'failed', reason: 'tsc timed out after 50 ms', errors: 1 });
    expect((await checkTypescriptOffThread(CASES.clean)).status).toBe('passed');
  });
});
