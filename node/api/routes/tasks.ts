import type { Hono } from 'hono';
import { TaskErrorCode, type TaskRecord, taskLanguage } from '../../tasks/index.js';
import type { RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { TaskBodySchema } from '../schemas.js';
import { idParam, readJson } from '../validate.js';

/**
 * POST /v1/tasks runs a free-form task to its end (seconds to minutes: the configured models answer,
 * the tests judge, the loop corrects) and answers with its record; GET /v1/tasks/:id reads one back.
 * Its decisions are served by /v1/generations/:id/chain like a generation's.
 */
export function taskRoutes(app: Hono, { node, auth }: RouteContext): void {
  app.post('/v1/tasks', auth.write, async (c) => {
    const body = await readJson(c, TaskBodySchema);
    try {
      taskLanguage(body.language);
    } catch (e) {
      throw new ApiError(ApiErrorCode.INVALID_BODY, `language: ${(e as Error).message}`);
    }
    const { description, language, tests, ...options } = body;
    const record: TaskRecord = await node.task({ description, language, tests }, options).catch((e) => {
      if (node.health().status !== 'ok')
        throw new ApiError(ApiErrorCode.UNAVAILABLE, 'the node is stopping: no new tasks');
      throw e;
    });
    if (record.error?.code === TaskErrorCode.NO_MODELS)
      throw new ApiError(ApiErrorCode.NO_MODELS, record.error.message, { id: record.id });
    return c.json(record);
  });

  app.get('/v1/tasks/:id', auth.read, async (c) => {
    const id = idParam(c, 'id');
    const record = await node.taskRecord(id);
    if (!record) throw new ApiError(ApiErrorCode.NOT_FOUND, `no task with id ${id}`);
    return c.json(record);
  });
}
