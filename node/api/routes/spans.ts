import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { ATTR_PREFIX, parseAttributeFilters, SpansQuerySchema, TRACE_ID } from '../schemas.js';
import { idParam, parseWith, singleQuery } from '../validate.js';

/** GET /v1/spans (filtered span query) and GET /v1/traces/:id (one trace, by start time). */
export function spanRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  app.get('/v1/spans', auth.read, async (c) => {
    const node = await tenant(c);
    const { query, prefixed } = singleQuery(c, [ATTR_PREFIX]);
    const q = parseWith(SpansQuerySchema, query, 'query');
    const attributes = parseAttributeFilters(prefixed);
    const spans = await node.spans.find({
      traceId: q.trace,
      generationId: q.generation,
      from: q.from,
      to: q.to,
      name: q.name,
      attributes: Object.keys(attributes).length ? attributes : undefined,
      limit: q.limit,
    });
    return c.json({ spans, count: spans.length, limit: q.limit });
  });

  app.get('/v1/traces/:id', auth.read, async (c) => {
    const node = await tenant(c);
    const traceId = idParam(c, 'id', TRACE_ID, '32 lowercase hex digits');
    const spans = await node.spans.byTrace(traceId);
    if (spans.length === 0)
      throw new ApiError(ApiErrorCode.NOT_FOUND, `no spans stored for trace ${traceId}`);
    return c.json({ traceId, spans });
  });
}
