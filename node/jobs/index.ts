import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { limit } from '../orchestra/limit.js';
import type { Store } from '../storage/index.js';
import { JobsError, JobsErrorCode } from './errors.js';
import type { GenerationEvent, GenerationRecord, GenerationRequest } from './types.js';

export { checkRequest, type OutputPolicy } from './check-request.js';
export { armsFor, type RunComponents, runGeneration } from './run.js';
export * from './types.js';

export interface JobsComponents {
  store: Store;
  /** runs one generation to its end, filling the record; called with at most `concurrency` at once */
  execute(
    record: GenerationRecord,
    signal: AbortSignal,
    emit: (e: GenerationEvent) => void,
  ): Promise<GenerationRecord>;
  /**
   * the node's slots for running work, shared by every tenant's jobs (and tasks), so the node runs
   * at most its `generation.concurrency` at once however many tenants submit; without it, these
   * jobs' own `concurrency`
   */
  slots?: <T>(task: () => Promise<T>) => Promise<T>;
}

export interface JobsInit {
  concurrency?: number;
  /** generations waiting beyond those running; a submit past it is refused BUSY (default 64) */
  maxQueued?: number;
}

export interface Jobs {
  /** Persists the queued record (acknowledged = on disk) and starts it; resolves with the id. */
  submit(
    request: GenerationRequest,
    meta?: Pick<GenerationRecord, 'origin'>,
  ): Promise<{ id: string; done: Promise<GenerationRecord> }>;
  /** Restarts generations a previous process acknowledged but did not finish (killed, crashed). */
  recover(): Promise<string[]>;
  get(id: string): Promise<GenerationRecord | undefined>;
  /** the generation's end: its running promise, else its stored record */
  wait(id: string): Promise<GenerationRecord | undefined>;
  list(limit?: number): Promise<GenerationRecord[]>;
  /** live events of a generation; returns the unsubscribe function */
  subscribe(id: string, listener: (e: GenerationEvent) => void): () => void;
  /** live events of every generation (`queued` at submit included); returns the unsubscribe function */
  subscribeAll(listener: (e: GenerationEvent) => void): () => void;
  /** waits for in-flight work up to `graceMs`, then aborts it (recorded as cancelled) */
  drain(graceMs: number): Promise<void>;
  inFlight(): number;
  /** generations that ended in this process, by final status (a copy: e.g. for /metrics) */
  ended(): Record<string, number>;
}

/** Keys sort by time so the newest generations list first: `<ms, 15 digits>-<uuid>`. */
const newId = () => `${Date.now().toString().padStart(15, '0')}-${randomUUID().slice(0, 8)}`;

export function createJobs(components: JobsComponents, init: JobsInit = {}): Jobs {
  const { store } = components;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const running = new Map<string, { controller: AbortController; done: Promise<GenerationRecord> }>();
  const concurrency = init.concurrency ?? 2;
  const maxQueued = init.maxQueued ?? 64;
  const bounded = components.slots ?? limit(concurrency);
  const ALL = Symbol('every generation');
  const emit = (e: GenerationEvent) => {
    events.emit(e.id, e);
    events.emit(ALL, e);
  };
  const save = (r: GenerationRecord) => store.put('generations', r.id, r);
  const ended = new Map<string, number>();

  const start = (record: GenerationRecord) => {
    const controller = new AbortController();
    const done = bounded(async () => {
      record.status = 'running';
      record.startedAt = Date.now();
      await save(record);
      emit({ type: 'status', id: record.id, status: 'running' });
      try {
        await components.execute(record, controller.signal, emit);
      } catch (e) {
        record.status = controller.signal.aborted ? 'cancelled' : 'failed';
        record.error = (e as Error).message ?? String(e);
      }
      record.finishedAt = Date.now();
      await save(record);
      ended.set(record.status, (ended.get(record.status) ?? 0) + 1);
      emit({ type: 'status', id: record.id, status: record.status });
      emit({ type: 'result', id: record.id, record });
      return record;
    }).finally(() => running.delete(record.id));
    running.set(record.id, { controller, done });
    return done;
  };

  return {
    async submit(request, meta = {}) {
      // back-pressure: a full queue is refused before anything is stored, with when to try again
      const waiting = running.size - concurrency;
      if (waiting >= maxQueued)
        throw new JobsError(
          {
            code: JobsErrorCode.BUSY,
            queued: waiting,
            retryAfterS: Math.min(60, Math.max(1, Math.ceil(waiting / concurrency) * 5)),
          },
          `the node is busy: ${running.size} generations running or queued (at most ${concurrency} at once and ${maxQueued} waiting); try again later`,
        );
      const record: GenerationRecord = {
        id: newId(),
        status: 'queued',
        request,
        createdAt: Date.now(),
        languages: [],
        ...(meta.origin ? { origin: meta.origin } : {}),
      };
      await save(record);
      emit({ type: 'status', id: record.id, status: 'queued' });
      return { id: record.id, done: start(record) };
    },
    async recover() {
      const unfinished = (await store.scan<GenerationRecord>('generations'))
        .map(([, r]) => r)
        .filter((r) => r.status === 'queued' || r.status === 'running');
      for (const r of unfinished) {
        r.status = 'queued';
        r.languages = [];
        void start(r);
      }
      return unfinished.map((r) => r.id);
    },
    get: (id) => store.get<GenerationRecord>('generations', id),
    wait: (id) => running.get(id)?.done ?? store.get<GenerationRecord>('generations', id),
    async list(n = 50) {
      return (await store.scan<GenerationRecord>('generations', { reverse: true, limit: n })).map(
        ([, v]) => v,
      );
    },
    subscribe(id, listener) {
      events.on(id, listener);
      return () => events.off(id, listener);
    },
    subscribeAll(listener) {
      // a listener's failure is its own: the generation goes on
      const safe = (e: GenerationEvent) => {
        try {
          listener(e);
        } catch {}
      };
      events.on(ALL, safe);
      return () => events.off(ALL, safe);
    },
    async drain(graceMs) {
      const all = [...running.values()];
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
      const result = await Promise.race([Promise.allSettled(all.map((j) => j.done)), timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        for (const j of running.values()) j.controller.abort();
        await Promise.allSettled([...running.values()].map((j) => j.done));
      }
    },
    inFlight: () => running.size,
    ended: () => Object.fromEntries(ended),
  };
}
