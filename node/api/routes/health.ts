import type { Hono } from 'hono';
import type { NodeHealth } from '../../node.js';
import { DEFAULT_TENANT } from '../../tenancy/index.js';
import { principalOf } from '../auth.js';
import { jsonBytes, type RouteContext } from '../context.js';
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
  // the body is made again only when the node's health (a new object at most every
  // HEALTH_STALE_MS) or the rejection counters changed
  let last: { health: NodeHealth; rejected: number; body: Uint8Array<ArrayBuffer> } | undefined;
  app.get('/v1/health', auth.read, (c) => {
    const health = node.health();
    // another tenant than default sees the node's state, not its counters (they sum every
    // tenant's work) nor its home
    const p = principalOf(c);
    if (p && !p.operator && p.tenant !== DEFAULT_TENANT)
      return c.json(
        { status: health.status, version: health.version, uptimeMs: health.uptimeMs, tenant: p.tenant },
        health.status === 'ok' ? 200 : 503,
      );
    const rejected = rejections.total();
    if (last?.health !== health || last.rejected !== rejected)
      last = { health, rejected, body: jsonBytes({ ...health, rejected: rejections.snapshot() }) };
    return c.body(last.body, health.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json' });
  });

  app.get('/v1/rejections', auth.node, (c) => c.json({ samples: history.samples() }));
}
