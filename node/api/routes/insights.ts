import type { Hono } from 'hono';
import type { Insights } from '../../learning/index.js';
import { frozenJson, type RouteContext } from '../context.js';

/** GET /v1/insights: what learning has found (arms per context, rules, correlations, promotions). */
export function insightRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  const insightsJson = frozenJson((insights: Insights) => insights);
  app.get('/v1/insights', auth.read, async (c) => insightsJson(c, await (await tenant(c)).insights()));
}
