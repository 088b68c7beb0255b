import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';
import { ArmsQuerySchema, HistoryQuerySchema } from '../schemas.js';
import { parseWith, singleQuery } from '../validate.js';

/**
 * GET /v1/learning/history: per context the quality each generation delivered, per model arm what
 * its candidates cost, over time (from the newest `outcomes` outcomes); GET /v1/learning/arms:
 * every arm tried in one context with its posterior mean and sd (what the optimizer draws from).
 */
export function learningRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  app.get('/v1/learning/history', auth.read, async (c) => {
    const node = await tenant(c);
    const { outcomes } = parseWith(HistoryQuerySchema, singleQuery(c).query, 'query');
    return c.json(await node.learningHistory(outcomes));
  });

  app.get('/v1/learning/arms', auth.read, async (c) => {
    const node = await tenant(c);
    const { context } = parseWith(ArmsQuerySchema, singleQuery(c).query, 'query');
    return c.json({ context, arms: await node.armQualities(context) });
  });
}
