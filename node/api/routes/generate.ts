import type { Hono } from 'hono';
import { generationLinks, type RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { GenerateBodySchema } from '../schemas.js';
import { idempotencyKey, readJson, requireFolder } from '../validate.js';

/** POST /v1/generate: validates the request, queues the generation, answers 202 with its id and links. */
export function generateRoutes(app: Hono, { node: root, tenant, auth, log }: RouteContext): void {
  app.post('/v1/generate', auth.write, async (c) => {
    const node = await tenant(c);
    const request = await readJson(c, GenerateBodySchema);
    // a tenant's registry is confined before the path is looked at: whether a folder outside its
    // own exists (another tenant's) gets no answer of its own
    await node.confineRegistry(request.registry);
    await requireFolder(request.registry, 'registry');
    const { id, done, replayed } = await node
      .generate(request, { idempotencyKey: idempotencyKey(c) })
      .catch((e) => {
        // the node began to stop after the request came in
        if (root.health().status !== 'ok') {
          throw new ApiError(ApiErrorCode.UNAVAILABLE, 'the node is stopping: no new generations');
        }
        throw e;
      });
    // nobody awaits `done` here: a failure to record the end must be logged, not crash the process
    done.catch((e) => log(`generation ${id}: could not be finished`, e));
    const links = generationLinks(id);
    c.header('Location', links.self);
    // a retry with the same Idempotency-Key: the first request's generation, not a second one
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ id, status: 'queued' as const, links }, 202);
  });
}
