import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pack } from '../packs/index.js';
import { packageRoot } from '../paths.js';
import type { EmitScope } from '../validation/expected.js';
import { GenerationError, GenerationErrorCode, type RenderLimitKind } from './errors.js';
import { HELD_REGISTRIES } from './held.js';
import { ProcessPool, type Slot } from './process-pool.js';
import type { GeneratedFile, RenderLimits } from './render.js';
import type { RenderMessage, RenderReply, RenderRequest } from './render-process.js';
import type { TemplateRegistry } from './template-model.js';

/**
 * Rendering runs in a pool of render processes (process-pool.ts), never on the event loop: a pack
 * is a stranger's code in all but name. Each render has budgets the process cannot argue with: past
 * its time (or its generation's) the process is killed, past its heap V8 ends it; the candidate fails
 * with GENERATION_LIMIT_EXCEEDED saying which budget, and the pool starts a fresh process.
 */
export interface RenderPoolOptions {
  /** milliseconds one candidate's render may run (from when a render process takes it) */
  candidateMs: number;
  /** milliseconds of rendering all the candidates of one generation may take together */
  generationMs: number;
  /** MB of heap a render process may use (`--max-old-space-size`) */
  heapMb: number;
  /** render processes at most */
  maxProcesses: number;
  /** an idle process beyond the first is stopped after this */
  idleTimeoutMs: number;
}

export const DEFAULT_POOL: RenderPoolOptions = {
  candidateMs: 10_000,
  generationMs: 120_000,
  heapMb: 256,
  maxProcesses: Math.max(1, Math.min(4, availableParallelism())),
  idleTimeoutMs: 60_000,
};

/** What is left of one generation's render time; renders reserve from it as they start and give back what they did not use. */
export interface RenderBudget {
  readonly totalMs: number;
  remainingMs: number;
}

export interface RenderOptions {
  /** the caller's cancellation: a waiting render is dropped, a running one's process killed */
  signal?: AbortSignal;
  /** the generation's render budget this render draws from (renderBudgetOf) */
  budget?: RenderBudget;
}

let options: RenderPoolOptions = { ...DEFAULT_POOL };
let pool: ProcessPool | undefined;
let nextId = 0;

/** Sets the pool's budgets; processes running are stopped, the next render starts new ones. */
export function configureRenderPool(given: Partial<RenderPoolOptions>): void {
  const next = { ...options, ...given };
  // nodes sharing a process (tests, a bench) configure alike: their renders in flight are left alone
  if (JSON.stringify(next) === JSON.stringify(options)) return;
  options = next;
  closeRenderPool();
}

export const renderPoolOptions = (): RenderPoolOptions => ({ ...options });

/** Kills the render processes (renders in flight fail); the next render starts a new pool. */
export function closeRenderPool(): void {
  pool?.close();
  pool = undefined;
}

export function createRenderBudget(totalMs = options.generationMs): RenderBudget {
  return { totalMs, remainingMs: totalMs };
}

const budgets = new WeakMap<object, RenderBudget>();

/** The render budget of a generation, by any object that lives as long as it (its abort signal). */
export function renderBudgetOf(generation: object): RenderBudget {
  const known = budgets.get(generation);
  if (known) return known;
  const b = createRenderBudget();
  budgets.set(generation, b);
  return b;
}

type Stop = RenderLimitKind | 'cancelled';

/** Renders in a render process; resolves with the files and scope, rejects with a GenerationError. */
export async function renderInPool(
  pack: Pack,
  registry: TemplateRegistry,
  params: Record<string, string>,
  limits: RenderLimits,
  { signal, budget }: RenderOptions = {},
): Promise<{ files: GeneratedFile[]; scope: EmitScope }> {
  if (signal?.aborted) throw new Error('render cancelled');
  if (budget && budget.remainingMs <= 0) throw spent('', 'generation-time', budget);
  pool ??= new ProcessPool({
    file: processFile(),
    max: options.maxProcesses,
    heapMb: options.heapMb,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  const workers = pool;
  const key = packKey(pack, limits);
  // the process that rendered this pack last keeps its templates parsed and its partials rendered
  const slot = await workers.acquire(signal, (s) => s.warm.includes(key));
  slot.warm = [key, ...slot.warm.filter((k) => k !== key)].slice(0, 8);
  // the budgets run from here: time spent waiting for a free process is nobody's
  const granted = budget ? Math.min(options.candidateMs, budget.remainingMs) : options.candidateMs;
  if (granted <= 0) {
    workers.release(slot);
    throw spent('', 'generation-time', budget);
  }
  const which: RenderLimitKind = granted < options.candidateMs ? 'generation-time' : 'candidate-time';
  if (budget) budget.remainingMs -= granted;
  const startedAt = performance.now();
  let stoppedBy: Stop | undefined;
  let template = '';
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const reply = await new Promise<RenderReply>((resolve, reject) => {
      const stop = (why: Stop) => {
        stoppedBy = why;
        workers.kill(slot);
        reject(why === 'cancelled' ? new Error('render cancelled') : spent(template, why, budget));
      };
      onAbort = () => stop('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => stop(which), granted);
      const request: RenderRequest = {
        id: ++nextId,
        pack,
        packKey: key,
        registryKey: '',
        params,
        limits,
      };
      const send = (withRegistry: boolean) => {
        Object.assign(request, hold(slot, registry, withRegistry));
        slot.child.send(request);
      };
      slot.onMessage = (raw) => {
        const m = raw as RenderMessage;
        if (m.id !== request.id) return;
        if ('template' in m) template = m.template;
        else if (!m.reply.ok && m.reply.missingRegistry) send(true);
        else resolve(m.reply);
      };
      slot.onExit = (code, sig, stderr) =>
        reject(
          /heap out of memory|Allocation failed/i.test(stderr)
            ? spent(template, 'candidate-heap')
            : new GenerationError(
                { code: GenerationErrorCode.TEMPLATE_RENDER, template },
                `template ${template || '(none)'}: the render process ended (${sig ?? `exit code ${code}`})`,
              ),
        );
      send(false);
    });
    workers.release(slot);
    if (!reply.ok)
      throw reply.type
        ? new GenerationError(reply.type, reply.message)
        : new GenerationError({ code: GenerationErrorCode.TEMPLATE_RENDER, template }, reply.message);
    return { files: reply.files, scope: reply.scope };
  } catch (e) {
    // a process that did not answer is gone or going: never reuse it
    if (!(e instanceof GenerationError) || stoppedBy || slot.dead) workers.kill(slot);
    throw e;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (budget) {
      // give back what the render did not use; one stopped by its time budget spent all of it
      let used = performance.now() - startedAt;
      if (stoppedBy === 'candidate-time' || stoppedBy === 'generation-time') used = Math.max(used, granted);
      budget.remainingMs += granted - used;
    }
  }
}

function spent(template: string, limit: RenderLimitKind, budget?: RenderBudget): GenerationError {
  const s = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;
  const why =
    limit === 'generation-time'
      ? `the generation's render budget (${s(budget?.totalMs ?? options.generationMs)} of rendering) is spent`
      : limit === 'candidate-heap'
        ? `the render ran out of its ${options.heapMb} MB heap`
        : `the render took longer than its budget (${s(options.candidateMs)})`;
  const where = template ? `template ${template}` : 'not rendered';
  const what = template ? '; the render process was killed' : '';
  return new GenerationError(
    { code: GenerationErrorCode.LIMIT_EXCEEDED, template, limit },
    `${where}: stopped by the render budget: ${why}${what}`,
  );
}

/** The registry part of a request: its key, and the registry itself unless the process already holds it (same LRU as the process's). */
function hold(slot: Slot, registry: TemplateRegistry, force: boolean) {
  const key = registryKey(registry);
  const at = slot.held.indexOf(key);
  if (at >= 0) slot.held.splice(at, 1);
  slot.held.push(key);
  if (slot.held.length > HELD_REGISTRIES) slot.held.shift();
  return { registryKey: key, registry: at >= 0 && !force ? undefined : registry };
}

const registryKeys = new WeakMap<TemplateRegistry, string>();
let registryCount = 0;

function registryKey(registry: TemplateRegistry): string {
  const known = registryKeys.get(registry);
  if (known) return known;
  const key = `r${++registryCount}`;
  registryKeys.set(registry, key);
  return key;
}

/** The compiled render process beside this module; under vitest (TypeScript sources) the build's. */
function processFile(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'render-process.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'node', 'generation', 'render-process.js');
  if (existsSync(built)) return built;
  throw new Error(`the render process is not built (${built}): run npm run build`);
}

/** The pack's content and the limits its engine was built with: the process's key for parsed templates. */
const packKeys = new WeakMap<Pack, Map<string, string>>();
const byKey = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

function packKey(pack: Pack, limits: RenderLimits): string {
  const l = JSON.stringify(limits);
  const byLimits = packKeys.get(pack) ?? new Map<string, string>();
  packKeys.set(pack, byLimits);
  let key = byLimits.get(l);
  if (!key) {
    key = createHash('sha256')
      .update(JSON.stringify([pack.manifest, Object.entries(pack.templates).sort(byKey), limits]))
      .digest('hex');
    byLimits.set(l, key);
  }
  return key;
}
