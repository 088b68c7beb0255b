import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { DecisionRecord } from '../jobs/types.js';
import type { ModelsConfig } from '../models/config.js';
import type { Store } from '../storage/index.js';
import { createTaskModels, type TaskModels } from './clients.js';
import { isTaskError } from './errors.js';
import { createTaskRunner, type Task, type TaskResult, type TaskRunOptions } from './index.js';

/** A task as a node keeps it: what was asked, and what came of it. */
export interface TaskRecord {
  id: string;
  kind: 'task';
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  createdAt: number;
  finishedAt?: number;
  description: string;
  language: string;
  /** the test files' paths (their content is the user's, kept out of the record) */
  tests: string[];
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
}

export interface TaskService {
  /** Runs a task to its end; the record is stored as running first, then with its result. */
  run(task: Task, options?: Omit<TaskRunOptions, 'id' | 'signal'>): Promise<TaskRecord>;
  get(id: string): Promise<TaskRecord | undefined>;
  inFlight(): number;
  /** waits for running tasks up to `graceMs`, then aborts them (recorded cancelled) */
  stop(graceMs: number): Promise<void>;
}

const newId = () => `${Date.now().toString().padStart(15, '0')}-t${randomUUID().slice(0, 7)}`;

/**
 * Tasks on a node: spans go to the node's telemetry and decisions to its store, so `weavergen
 * explain <task-id>` shows a task's loop like a generation's. Chat models are probed once, at the
 * first task.
 */
export function createTaskService(components: TaskServiceComponents): TaskService {
  const { store } = components;
  let models: Promise<TaskModels> | undefined;
  const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  return {
    async run(task, options = {}) {
      models ??= createTaskModels(components.models);
      const runner = createTaskRunner({
        models: await models,
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
      const record: TaskRecord = {
        id: newId(),
        kind: 'task',
        status: 'running',
        createdAt: Date.now(),
        description: task.description,
        language: task.language,
        tests: task.tests.map((t) => t.path),
      };
      await store.put('tasks', record.id, record);
      const controller = new AbortController();
      const done = runner.run(task, { ...options, id: record.id, signal: controller.signal });
      running.set(record.id, { controller, done: done.catch(() => undefined) });
      try {
        record.result = await done;
        record.status = controller.signal.aborted ? 'cancelled' : 'succeeded';
      } catch (e) {
        record.status = controller.signal.aborted ? 'cancelled' : 'failed';
        record.error = {
          ...(isTaskError(e) ? { code: e.code } : {}),
          message: (e as Error)?.message ?? String(e),
        };
      } finally {
        running.delete(record.id);
        record.finishedAt = Date.now();
        await store.put('tasks', record.id, record);
      }
      return record;
    },
    get: (id) => store.get<TaskRecord>('tasks', id),
    inFlight: () => running.size,
    async stop(graceMs) {
      const all = () => Promise.all([...running.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      for (const r of running.values()) r.controller.abort();
      await all();
    },
  };
}
