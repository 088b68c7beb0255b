import { existsSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorType, WeaverError } from '../../errors/index.js';
import { packageRoot } from '../paths.js';
import { SemconvError, SemconvErrorCode, type SemconvErrorType } from './errors.js';
import type { LoadOptions, LoadResult } from './index.js';

/**
 * Loading a registry for the node (a generation, POST /v1/registry/check) runs in a worker thread,
 * never on the node's event loop: parsing a 4 MiB YAML file takes seconds, during which the API
 * would not answer. Each load has budgets the worker cannot argue with: past its time the worker is
 * terminated, past its heap V8 ends it; the load fails with SEMCONV_LIMIT_EXCEEDED (`limit`
 * `loadMs` or `heapMb`, answered 422) and the next load starts a fresh worker. The CLI calls
 * loadRegistry directly: a command has no event loop to keep answering.
 *
 * A thread rather than a process (the render pool's choice): what a load can allocate is bounded by
 * the registry's size caps (files.ts), and a YAML parse builds many small objects, which V8 stops
 * cleanly at the thread's heap limit; the result comes back by structured clone, without the JSON
 * round trip a process would need.
 */
export interface RegistryLoaderOptions {
  /** milliseconds one load may run (from when a worker takes it); past it the worker is terminated */
  timeoutMs: number;
  /** MB of old-generation heap a load worker may use (`resourceLimits.maxOldGenerationSizeMb`) */
  heapMb: number;
  /** load workers at most; more loads at once wait for one */
  maxWorkers: number;
  /** an idle worker is stopped after this */
  idleTimeoutMs: number;
}

export const DEFAULT_REGISTRY_LOADER: RegistryLoaderOptions = {
  // a registry at the size caps (16 MiB of dense attribute groups) loads in 12 s on a 2-core machine
  timeoutMs: 60_000,
  // ... with 215 MB of heap; a hostile file of the same size (millions of tiny nodes) needs gigabytes
  heapMb: 512,
  maxWorkers: 2,
  idleTimeoutMs: 30_000,
};

export interface OffThreadLoadOptions extends LoadOptions {
  /** this load's time budget in milliseconds; the loader's (60 s unless configured) when absent */
  timeoutMs?: number;
  /** the caller's cancellation: a waiting load is dropped, a running one's worker terminated */
  signal?: AbortSignal;
}

/** A request to a load worker: load the registry, or only hash its content (content-hash.ts). */
export interface LoadRequest {
  id: number;
  dir: string;
  options: LoadOptions;
  hash?: boolean;
}

/** What loadRegistry threw in the worker, as structured clone carries it. */
export interface ThrownInWorker {
  /** which class to re-create: a SemconvError, another WeaverError, or anything else */
  kind: 'semconv' | 'weaver' | 'other';
  name: string;
  message: string;
  stack?: string;
  /** the WeaverError's type (code and metadata) */
  type?: ErrorType;
  /** a system error's code (ENOENT...) */
  code?: string;
}

/** A load worker's answer to a request. */
export type LoadReply =
  | { id: number; ok: true; result: LoadResult | string }
  | { id: number; ok: false; error: ThrownInWorker };

let options: RegistryLoaderOptions = { ...DEFAULT_REGISTRY_LOADER };

/** Sets the loader's budgets; idle workers are stopped, loads in flight keep the budgets they started with. */
export function configureRegistryLoader(given: Partial<RegistryLoaderOptions>): void {
  const next = { ...options, ...given };
  if (JSON.stringify(next) === JSON.stringify(options)) return;
  options = next;
  for (const s of [...slots]) if (!s.taken) stop(s);
}

export const registryLoaderOptions = (): RegistryLoaderOptions => ({ ...options });

/** Terminates the load workers (loads in flight fail); the next load starts a new one. */
export function closeRegistryLoader(): void {
  for (const s of [...slots]) {
    const job = s.job;
    stop(s);
    job?.fail(new Error('the registry loader was closed'));
  }
}

/**
 * loadRegistry in a worker thread, within the loader's budgets: the same result (structured clone of
 * plain data) and the same errors (a SemconvError re-created with its code, metadata and message),
 * plus SEMCONV_LIMIT_EXCEEDED when the load runs past its time (`loadMs`) or heap (`heapMb`).
 */
export function loadRegistryOffThread(dir: string, options: OffThreadLoadOptions = {}): Promise<LoadResult> {
  return offThread<LoadResult>(dir, options, false);
}

/**
 * registryContentHash in a load worker, within the loader's budgets: it reads the manifest's YAML
 * (for the dependencies), which a hostile registry can make slow, so not on the node's event loop.
 */
export function registryContentHashOffThread(
  dir: string,
  options: Pick<OffThreadLoadOptions, 'timeoutMs' | 'signal' | 'dependencies'> = {},
): Promise<string> {
  return offThread<string>(dir, options, true);
}

async function offThread<T extends LoadResult | string>(
  dir: string,
  { timeoutMs, signal, ...load }: OffThreadLoadOptions,
  hash: boolean,
): Promise<T> {
  const root = resolvePath(dir);
  const budget = timeoutMs ?? options.timeoutMs;
  const heapMb = options.heapMb;
  if (signal?.aborted) throw cancelled(root);
  const slot = await acquire(signal, root);
  if (signal?.aborted) {
    release(slot);
    throw cancelled(root);
  }
  // the budget runs from here: time spent waiting for a free worker is nobody's
  return new Promise<T>((resolve, reject) => {
    const id = ++nextId;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => end(false, cancelled(root));
    const end = (healthy: boolean, error?: unknown, result?: T) => {
      if (slot.job !== job) return;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      slot.job = undefined;
      if (healthy) release(slot);
      else stop(slot);
      if (error === undefined) resolve(result!);
      else reject(error);
    };
    const job: Job = {
      reply: (m) => {
        if (m.id !== id) return;
        if (m.ok) end(true, undefined, m.result as T);
        else end(true, revive(m.error));
      },
      fail: (e) =>
        end(
          false,
          (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? overLimit(root, 'heapMb', heapMb)
            : new Error(`registry ${root}: the load worker failed: ${(e as Error).message ?? String(e)}`, {
                cause: e,
              }),
        ),
    };
    slot.job = job;
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => end(false, overLimit(root, 'loadMs', budget)), budget);
    slot.worker.ref();
    const request: LoadRequest = { id, dir: root, options: load, ...(hash ? { hash } : {}) };
    slot.worker.postMessage(request);
  });
}

interface Job {
  reply(m: LoadReply): void;
  /** the worker failed or ended before answering */
  fail(e: unknown): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  idleTimer?: NodeJS.Timeout;
  dead: boolean;
  /** taken for a load: set when handed out, before the load's job is (two loads started at once must not share a worker) */
  taken: boolean;
  /** the registry folders this worker loaded last: it holds their parsed files (parse-cache.ts) */
  roots: string[];
}

interface Waiter {
  root: string;
  resolve(slot: Slot): void;
  reject(e: unknown): void;
}

const slots = new Set<Slot>();
const waiters: Waiter[] = [];
let nextId = 0;

/** A worker for one load: an idle one, a new one under the maximum, or the next one released. */
function acquire(signal: AbortSignal | undefined, root: string): Promise<Slot> {
  // the worker that loaded this folder before parses only what changed since
  const free = [...slots].filter((s) => !s.taken && !s.dead);
  const idle = free.find((s) => s.roots.includes(root)) ?? free[0];
  if (idle) return Promise.resolve(take(idle, root));
  if (slots.size < options.maxWorkers) return Promise.resolve(take(spawn(), root));
  return new Promise<Slot>((resolve, reject) => {
    const onAbort = () => {
      const at = waiters.indexOf(waiter);
      if (at >= 0) waiters.splice(at, 1);
      reject(cancelled(root));
    };
    const waiter: Waiter = {
      root,
      resolve: (s) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(s);
      },
      reject,
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    waiters.push(waiter);
  });
}

function take(slot: Slot, root: string): Slot {
  slot.taken = true;
  slot.roots = [root, ...slot.roots.filter((r) => r !== root)].slice(0, 4);
  clearTimeout(slot.idleTimer);
  slot.idleTimer = undefined;
  return slot;
}

/** The load is over and the worker healthy: it serves the next load, or waits unreferenced and stops when idle too long. */
function release(slot: Slot): void {
  const next = waiters.shift();
  if (next) {
    next.resolve(take(slot, next.root));
    return;
  }
  slot.taken = false;
  slot.worker.unref();
  slot.idleTimer = setTimeout(() => stop(slot), options.idleTimeoutMs);
  slot.idleTimer.unref();
}

/** Terminates the worker (a load past its budget, a failed one, an idle one); a waiting load gets a new worker. */
function stop(slot: Slot): void {
  if (slot.dead) return;
  slot.dead = true;
  clearTimeout(slot.idleTimer);
  slots.delete(slot);
  void slot.worker.terminate();
  const next = waiters.shift();
  if (next) {
    try {
      next.resolve(take(spawn(), next.root));
    } catch (e) {
      next.reject(e);
    }
  }
}

function spawn(): Slot {
  const worker = new Worker(workerFile(), {
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
  });
  const slot: Slot = { worker, dead: false, taken: false, roots: [] };
  worker.on('message', (m: LoadReply) => slot.job?.reply(m));
  worker.on('error', (e) => {
    const job = slot.job;
    stop(slot);
    job?.fail(e);
  });
  worker.on('exit', (code) => {
    const job = slot.job;
    stop(slot);
    job?.fail(new Error(`the worker ended (exit code ${code})`));
  });
  slots.add(slot);
  return slot;
}

/** The compiled worker beside this module; under vitest (TypeScript sources) the build's. */
function workerFile(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'load-worker.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'node', 'semconv', 'load-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the registry load worker is not built (${built}): run npm run build`);
}

/** What the worker sends for an error loadRegistry threw. */
export function toThrownInWorker(e: unknown): ThrownInWorker {
  if (e instanceof WeaverError)
    return {
      kind: e instanceof SemconvError ? 'semconv' : 'weaver',
      name: e.name,
      message: e.message,
      stack: e.stack,
      type: e.type,
    };
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return {
      kind: 'other',
      name: e.name,
      message: e.message,
      stack: e.stack,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { kind: 'other', name: 'Error', message: String(e) };
}

/** The error as loadRegistry threw it in the worker: same class (SemconvError), code, metadata, message and stack. */
export function revive(t: ThrownInWorker): Error {
  const e =
    t.kind === 'semconv'
      ? new SemconvError(t.type as SemconvErrorType, t.message)
      : t.kind === 'weaver'
        ? new WeaverError(t.type!, t.message)
        : Object.assign(new Error(t.message), t.code ? { code: t.code } : {});
  if (t.kind === 'other') e.name = t.name;
  if (t.stack) e.stack = t.stack;
  return e;
}

function overLimit(root: string, limit: 'loadMs' | 'heapMb', max: number): SemconvError {
  const what =
    limit === 'loadMs'
      ? `loading took longer than ${+(max / 1000).toFixed(3)} s (the time budget for loading a registry)`
      : `loading needed more than ${max} MB of heap (the memory budget for loading a registry)`;
  return new SemconvError(
    { code: SemconvErrorCode.LIMIT_EXCEEDED, path: root, limit, max },
    `registry ${root}: ${what}; the load was stopped: make the registry smaller or simpler`,
  );
}

function cancelled(root: string): Error {
  return new Error(`registry ${root}: the load was cancelled`);
}
