import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { DecisionRecord } from '../jobs/types.js';
import type { ModelsConfig } from '../models/config.js';
import { limit } from '../orchestra/limit.js';
import type { Store } from '../storage/index.js';
import { checkTask, precheckTask } from './check.js';
import { createTaskModels, type TaskModels } from './clients.js';
import { isTaskError, TaskError, TaskErrorCode } from './errors.js';
import {
  createTaskRunner,
  noModelsMessage,
  type Task,
  type TaskResult,
  type TaskRunOptions,
} from './index.js';

/** A task as a node keeps it: what was asked, and what came of it. */
export interface TaskRecord {
  id: string;
  kind: 'task';
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  description: string;
  language: string;
  /** the test files' paths */
  tests: string[];
  /** what was asked, whole: a task acknowledged before the node stopped is run again at its next start */
  request?: { task: Task; options: TaskRequestOptions };
  result?: TaskResult;
  error?: { code?: string; message: string };
}

export interface TaskServiceComponents {
  store: Store;
  tracer: Tracer;
  /** the node's models section: tasks use its chat models (never the built-in generator) */
  models: ModelsConfig;
  /** stores a decision record (under the task's id), as generations store theirs */
  decide(d: DecisionRecord): Promise<void>;
  /** the node's slots for running work, shared with generations and other tenants (see JobsComponents) */
  slots?: <T>(task: () => Promise<T>) => Promise<T>;
}

export interface TaskServiceInit {
  /** tasks run at once (their tests are CPU-bound; default 2); the others wait, `queued` */
  concurrency?: number;
  /** a probe that skipped a model is redone after this long (default 30 s) */
  reprobeMs?: number;
  /** tasks waiting beyond those running; a start past it is refused BUSY (default 64) */
  maxQueued?: number;
}

export type TaskRequestOptions = Omit<TaskRunOptions, 'id' | 'signal'>;

export interface TaskService {
  /**
   * Stores the task (acknowledged once this resolves) and runs it in the background; `done`
   * resolves with its final record. Throws TASK_NO_MODELS when no chat model can answer, and the
   * input errors of precheckTask (a blank description, bad test names, tests that do not compile)
   * before anything is stored.
   */
  start(task: Task, options?: TaskRequestOptions): Promise<{ id: string; done: Promise<TaskRecord> }>;
  /** start, then wait for the end */
  run(task: Task, options?: TaskRequestOptions): Promise<TaskRecord>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** the newest `limit` tasks, newest first, without what was asked (the records' `request`) */
  list(limit: number): Promise<TaskRecord[]>;
  /** the task's end: its running promise, else its stored record */
  wait(id: string): Promise<TaskRecord | undefined>;
  /** runs again the tasks stored as queued or running (the node stopped before they ended); returns their ids */
  recover(): Promise<string[]>;
  inFlight(): number;
  /** refuses new tasks, waits for running ones up to `graceMs`, then aborts them (recorded cancelled) */
  stop(graceMs: number): Promise<void>;
}

const newId = () => `${Date.now().toString().padStart(15, '0')}-t${randomUUID().slice(0, 7)}`;

/**
 * Tasks on a node: spans go to the node's telemetry and decisions to its store, so `weavergen
 * explain <task-id>` shows a task's loop like a generation's. Chat models are probed at the first
 * task, and again when a probe skipped one and is older than `reprobeMs`.
 */
export function createTaskService(
  components: TaskServiceComponents,
  init: TaskServiceInit = {},
): TaskService {
  const { store } = components;
  const reprobeMs = init.reprobeMs ?? 30_000;
  const bounded = components.slots ?? limit(init.concurrency ?? 2);
  let probe: { at: number; models: Promise<TaskModels> } | undefined;
  const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  /** starts between their call and their record being stored: stop() waits for them too */
  const starting = new Set<Promise<unknown>>();
  let stopped = false;

  const models = async () => {
    const stale =
      !probe ||
      (Date.now() - probe.at > reprobeMs &&
        (await probe.models.then(
          (m) => m.skipped.length > 0,
          () => true,
        )));
    if (stale) probe = { at: Date.now(), models: createTaskModels(components.models) };
    return probe!.models;
  };

  const execute = async (record: TaskRecord, task: Task, options: TaskRequestOptions, m: TaskModels) => {
    const controller = running.get(record.id)!.controller;
    try {
      if (controller.signal.aborted) throw new Error('cancelled before it started');
      record.status = 'running';
      record.startedAt = Date.now();
      await store.put('tasks', record.id, record);
      const runner = createTaskRunner({
        models: m,
        tracer: components.tracer,
        decide: ({ step, choice, alternatives, reason, evidence }) =>
          components.decide({
            generationId: record.id,
            step,
            choice,
            alternatives,
            reason,
            evidence,
            at: Date.now(),
          }),
      });
      record.result = await runner.run(task, { ...options, id: record.id, signal: controller.signal });
      record.status = controller.signal.aborted ? 'cancelled' : 'succeeded';
    } catch (e) {
      record.status = controller.signal.aborted ? 'cancelled' : 'failed';
      record.error = {
        ...(isTaskError(e) ? { code: e.code } : {}),
        message: (e as Error)?.message ?? String(e),
      };
    } finally {
      record.finishedAt = Date.now();
      await store.put('tasks', record.id, record);
      running.delete(record.id);
    }
    return record;
  };

  /** Queues a stored record; `done` resolves with its final state. */
  const launch = (record: TaskRecord, task: Task, options: TaskRequestOptions, m: TaskModels) => {
    const entry = { controller: new AbortController(), done: Promise.resolve() as Promise<unknown> };
    running.set(record.id, entry);
    const done = bounded(() => execute(record, task, options, m));
    entry.done = done.catch(() => undefined);
    return done;
  };

  /** Counts as in flight from its first await, so stop() waits for it and never closes the store under it. */
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    if (stopped) throw new TaskError({ code: TaskErrorCode.STOPPING }, 'the node is stopping: no new tasks');
    const begun = work();
    starting.add(begun);
    try {
      return await begun;
    } finally {
      starting.delete(begun);
    }
  };

  const start: TaskService['start'] = (task, options = {}) =>
    guarded(async () => {
      checkTask(task);
      const concurrency = init.concurrency ?? 2;
      const busy = () => {
        const waiting = running.size - concurrency;
        if (waiting >= (init.maxQueued ?? 64))
          throw new TaskError(
            {
              code: TaskErrorCode.BUSY,
              queued: waiting,
              retryAfterS: Math.min(60, Math.max(5, Math.ceil(waiting / concurrency) * 15)),
            },
            `the node is busy: ${running.size} tasks running or queued; try again later`,
          );
      };
      busy();
      // the tests compiled alone, before the task is stored: their errors are the caller's (4xx)
      await precheckTask(task);
      busy();
      const m = await models();
      if (m.clients.length === 0) throw new TaskError({ code: TaskErrorCode.NO_MODELS }, noModelsMessage(m));
      const record: TaskRecord = {
        id: newId(),
        kind: 'task',
        status: 'queued',
        createdAt: Date.now(),
        description: task.description,
        language: task.language,
        tests: task.tests.map((t) => t.path),
        request: { task, options },
      };
      await store.put('tasks', record.id, record);
      return { id: record.id, done: launch(record, task, options, m) };
    });

  const recover = () =>
    guarded(async () => {
      const unfinished = (await store.scan<TaskRecord>('tasks'))
        .map(([, r]) => r)
        .filter((r) => r.status === 'queued' || r.status === 'running');
      if (unfinished.length === 0) return [];
      const m = await models();
      for (const r of unfinished) {
        r.status = 'queued';
        if (!r.request || m.clients.length === 0) {
          r.status = 'failed';
          r.finishedAt = Date.now();
          r.error = r.request
            ? { code: TaskErrorCode.NO_MODELS, message: noModelsMessage(m) }
            : { message: 'interrupted: the node stopped before the task ended' };
          await store.put('tasks', r.id, r);
          continue;
        }
        await store.put('tasks', r.id, r);
        void launch(r, r.request.task, r.request.options, m).catch(() => undefined);
      }
      return unfinished.map((r) => r.id);
    });

  return {
    start,
    recover,
    async run(task, options) {
      return (await start(task, options)).done;
    },
    get: (id) => store.get<TaskRecord>('tasks', id),
    async list(limit) {
      return (await store.scan<TaskRecord>('tasks'))
        .map(([, { request: _request, ...r }]) => r)
        .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id))
        .slice(0, limit);
    },
    wait: async (id) => {
      await running.get(id)?.done;
      return store.get<TaskRecord>('tasks', id);
    },
    inFlight: () => running.size + starting.size,
    async stop(graceMs) {
      stopped = true;
      await Promise.allSettled([...starting]);
      const all = () => Promise.all([...running.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      for (const r of running.values()) r.controller.abort();
      await all();
    },
  };
}
