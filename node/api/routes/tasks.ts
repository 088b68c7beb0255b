import type { Hono } from 'hono';
import { isTaskError, TaskErrorCode } from '../../tasks/index.js';
import type { RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { TaskBodySchema, TasksQuerySchema } from '../schemas.js';
import { idempotencyKey, idParam, parseWith, readJson, singleQuery } from '../validate.js';

/** The links of a task, as the 202 of POST /v1/tasks returns them. */
export const taskLinks = (id: string) => ({
  self: `/v1/tasks/${encodeURIComponent(id)}`,
  chain: `/v1/generations/${encodeURIComponent(id)}/chain`,
  spans: `/v1/spans?generation=${encodeURIComponent(id)}`,
});

/**
 * POST /v1/tasks stores a free-form task and answers 202 with its id at once (the models answer and
 * the tests run in the background, seconds to minutes); GET /v1/tasks/:id reads it back, `queued`
 * or `running` until it ends; GET /v1/tasks lists the newest (newest first). Its decisions are served by /v1/generations/:id/chain like a generation's.
 */
export function taskRoutes(app: Hono, { node: root, tenant, auth, log }: RouteContext): void {
  app.get('/v1/tasks', auth.read, async (c) => {
    const node = await tenant(c);
    const { limit } = parseWith(TasksQuerySchema, singleQuery(c).query, 'query');
    return c.json({ tasks: await node.tasks(limit) });
  });

  app.post('/v1/tasks', auth.write, async (c) => {
    const node = await tenant(c);
    const body = await readJson(c, TaskBodySchema);
    const { description, language, tests, ...options } = body;
    const { id, done, replayed } = await node
      .task({ description, language, tests }, { ...options, idempotencyKey: idempotencyKey(c) })
      .catch((e) => {
        if (isTaskError(e) && e.code === TaskErrorCode.UNSUPPORTED_LANGUAGE)
          throw new ApiError(ApiErrorCode.INVALID_BODY, `language: ${e.message}`);
        if (isTaskError(e) && e.code === TaskErrorCode.NO_DESCRIPTION)
          throw new ApiError(ApiErrorCode.INVALID_BODY, `description: ${e.message}`);
        // a test file that does not compile alone: its located errors, also as details
        if (isTaskError(e) && (e.code === TaskErrorCode.BAD_TESTS || e.code === TaskErrorCode.NO_TESTS))
          throw new ApiError(
            ApiErrorCode.INVALID_BODY,
            `tests: ${e.message}`,
            'diagnostics' in e.type && e.type.diagnostics ? { diagnostics: e.type.diagnostics } : undefined,
          );
        if (isTaskError(e) && e.code === TaskErrorCode.NO_MODELS)
          throw new ApiError(ApiErrorCode.NO_MODELS, e.message);
        if (root.health().status !== 'ok' || (isTaskError(e) && e.code === TaskErrorCode.STOPPING))
          throw new ApiError(ApiErrorCode.UNAVAILABLE, 'the node is stopping: no new tasks');
        throw e;
      });
    // nobody awaits `done` here: a failure to record the end must be logged, not crash the process
    done.catch((e) => log(`task ${id}: could not be finished`, e));
    const links = taskLinks(id);
    c.header('Location', links.self);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ id, status: 'queued' as const, links }, 202);
  });

  app.get('/v1/tasks/:id', auth.read, async (c) => {
    const node = await tenant(c);
    const id = idParam(c, 'id');
    const record = await node.taskRecord(id);
    if (!record) throw new ApiError(ApiErrorCode.NOT_FOUND, `no task with id ${id}`);
    return c.json(record);
  });
}
