import { typescriptSymbols } from './symbols/typescript.js';
import type { SourceFile } from './toolchain.js';
import { createTypescriptToolchain } from './toolchains/typescript.js';

/**
 * A TypeScript check process (typescript-off-thread.ts): type-checks files or extracts their
 * symbols, one request at a time, with the same code the node would run in process, so results are
 * identical. It ends with its parent (the IPC channel closing).
 */
export interface TypescriptRequest {
  id: number;
  op: 'check' | 'symbols';
  files: SourceFile[];
}

export type TypescriptReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string };

if (!process.send)
  throw new Error('typescript-process.js is a child process of the node: it is started by the validator');
const toolchain = createTypescriptToolchain();
process.on('disconnect', () => process.exit(0));
process.on('message', async ({ id, op, files }: TypescriptRequest) => {
  let reply: TypescriptReply;
  try {
    const result = op === 'check' ? await toolchain.validate(files) : typescriptSymbols.extract(files);
    reply = { id, ok: true, result };
  } catch (e) {
    reply = { id, ok: false, message: (e as Error).message ?? String(e) };
  }
  process.send!(reply);
});
