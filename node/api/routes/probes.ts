import type { Hono } from 'hono';
import type { WeaverNode } from '../../node.js';
import { jsonBytes } from '../context.js';

const OK = jsonBytes({ status: 'ok' });
const STOPPING = jsonBytes({ status: 'stopping' });
const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * Probes for load balancers and Kubernetes, open to every host without a token: they say whether
 * the process serves (GET /livez: always 200 while it answers, stopping included, since a node that
 * drains its work must not be killed for it) and whether it takes work (GET /readyz: 200 while
 * node.health() is ok, 503 while it stops), and nothing else (no home, no counters: /v1/health).
 */
export function probeRoutes(app: Hono, node: WeaverNode): void {
  app.get('/livez', (c) => c.body(OK, 200, JSON_TYPE));
  app.get('/readyz', (c) =>
    node.health().status === 'ok' ? c.body(OK, 200, JSON_TYPE) : c.body(STOPPING, 503, JSON_TYPE),
  );
}
