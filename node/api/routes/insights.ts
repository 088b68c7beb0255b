import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';

/** GET /v1/insights: what learning has found (arms per context, rules, correlations, promotions). */
export function insightRoutes(app: Hono, { node, auth }: RouteContext): void {
  app.get('/v1/insights', auth.read, async (c) => c.json(await node.insights()));
}
