import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';
import type { RejectionHistory } from '../rejection-history.js';
import type { Rejections } from '../rejections.js';

/**
 * GET /v1/health: the node's health and the API's rejection counters; 503 while stopping.
 * GET /v1/rejections: the refusal counters over time (requests and network messages by reason).
 */
export function healthRoutes(
  app: Hono,
  { node, auth }: RouteContext,
  rejections: Rejections,
  history: RejectionHistory,
): void {
  app.get('/v1/health', auth.read, (c) => {
    const health = node.health();
    return c.json({ ...health, rejected: rejections.snapshot() }, health.status === 'ok' ? 200 : 503);
  });

  app.get('/v1/rejections', auth.read, (c) => c.json({ samples: history.samples() }));
}
