import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';
import type { Rejections } from '../rejections.js';

/** GET /v1/health: the node's health and the API's rejection counters; 503 while stopping. */
export function healthRoutes(app: Hono, { node, auth }: RouteContext, rejections: Rejections): void {
  app.get('/v1/health', auth.read, (c) => {
    const health = node.health();
    return c.json({ ...health, rejected: rejections.snapshot() }, health.status === 'ok' ? 200 : 503);
  });
}
