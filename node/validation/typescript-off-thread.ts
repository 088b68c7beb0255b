import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessPool } from '../generation/process-pool.js';
import { packageRoot } from '../paths.js';
import type { ExtractedSymbol } from './symbols/types.js';
import { DEFAULT_TOOL_TIMEOUT_MS, type SourceFile, type ToolchainResult } from './toolchain.js';
import type { TypescriptReply, TypescriptRequest } from './typescript-process.js';

/**
 * The TypeScript check and symbol extraction of a candidate run in a child process, never on the
 * node's event loop: a pack that writes 4 MB of TypeScript took the compiler 5 s and the parser 2 s
 * there, and /v1/health did not answer meanwhile. Each run has the candidate's tool budget
 * (`timeoutMs`, the validation's; the generation's cancellation ends it too): past it the process
 * is killed (a synchronous compile cannot be asked to stop) and the next run starts a fresh one.
 * A process rather than a thread, as for rendering (process-pool.ts): one that runs out of heap
 * dies alone.
 */
export const TYPESCRIPT_PROCESS = { max: 2, heapMb: 2048, idleTimeoutMs: 30_000 };

let pool: ProcessPool | undefined;
let nextId = 0;

/** The TypeScript toolchain's result for `files`, from a child process. */
export async function checkTypescriptOffThread(
  files: SourceFile[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ToolchainResult> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  try {
    return await run<ToolchainResult>('check', files, timeoutMs, options.signal);
  } catch (e) {
    if (!(e instanceof OverBudget)) throw e;
    return {
      language: 'typescript',
      tool: 'tsc',
      status: 'failed',
      reason: `tsc timed out after ${timeoutMs} ms`,
      errors: 1,
      warnings: 0,
      diagnostics: [],
      durationMs: performance.now() - started,
    };
  }
}

/** The symbols of `files` (symbols/typescript.ts), from a child process, within `timeoutMs`. */
export function typescriptSymbolsOffThread(
  files: SourceFile[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ExtractedSymbol[]> {
  return run<ExtractedSymbol[]>(
    'symbols',
    files,
    options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    options.signal,
  );
}

/** Stops the processes (runs in flight fail); the next run starts a new one. */
export function closeTypescriptProcesses(): void {
  pool?.close();
  pool = undefined;
}

class OverBudget extends Error {}

async function run<T>(
  op: TypescriptRequest['op'],
  files: SourceFile[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal?.aborted) throw new Error('validation cancelled');
  pool ??= new ProcessPool({ file: processFile(), ...TYPESCRIPT_PROCESS });
  const workers = pool;
  const slot = await workers.acquire(signal);
  const id = ++nextId;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => {
        workers.kill(slot);
        reject(e);
      };
      onAbort = () => fail(new Error('validation cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      // the budget runs from here: time spent waiting for a free process is nobody's
      timer = setTimeout(
        () => fail(new OverBudget(`TypeScript ${op} took longer than ${timeoutMs} ms`)),
        timeoutMs,
      );
      slot.onMessage = (m) => {
        const reply = m as TypescriptReply;
        if (reply.id !== id) return;
        workers.release(slot);
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(reply.message));
      };
      slot.onExit = (code, sig, stderr) =>
        reject(
          new Error(
            `the TypeScript ${op} process ended (${sig ?? `exit code ${code}`})${/heap limit/i.test(stderr) ? `: out of memory (${TYPESCRIPT_PROCESS.heapMb} MB)` : ''}`,
          ),
        );
      const request: TypescriptRequest = { id, op, files };
      slot.child.send(request);
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** The compiled process beside this module; under vitest (TypeScript sources) the build's. */
function processFile(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'typescript-process.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'node', 'validation', 'typescript-process.js');
  if (existsSync(built)) return built;
  throw new Error(`the TypeScript check process is not built (${built}): run npm run build`);
}
