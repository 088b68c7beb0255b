import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';
import { PredictionBodySchema } from '../schemas.js';
import { readJson } from '../validate.js';

/**
 * GET /v1/prediction: the tenant's predictive pre-generation (counters, whether it is on, and
 * whether that is the config's setting or a choice made here); PUT /v1/prediction {enabled}: turns
 * it on or off now, kept across restarts (a developer's choice, like starting generations).
 */
export function predictionRoutes(app: Hono, { tenant, auth }: RouteContext): void {
  app.get('/v1/prediction', auth.read, async (c) => c.json((await tenant(c)).prediction()));

  app.put('/v1/prediction', auth.write, async (c) => {
    const node = await tenant(c);
    const { enabled } = await readJson(c, PredictionBodySchema);
    return c.json(await node.setPrediction(enabled));
  });
}
