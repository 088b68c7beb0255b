import type { Handler, Hono } from 'hono';
import type { RouteContext } from '../context.js';
import type { ApiMetrics } from '../metrics.js';

/**
 * GET /metrics: the Prometheus text exposition (node/api/metrics.ts). A node-wide read: open to
 * requests addressed to a loopback host, else the operator's token or one of the default tenant's
 * (not another tenant's: the counters sum every tenant's work); with `open` (the node's api.openMetrics) open to
 * every host, for an in-cluster Prometheus that scrapes without a token.
 */
export function metricsRoutes(app: Hono, { auth }: RouteContext, metrics: ApiMetrics, open: boolean): void {
  const scrape: Handler = async (c) => {
    const { contentType, text } = await metrics.scrape();
    return c.body(text, 200, { 'Content-Type': contentType });
  };
  if (open) app.get('/metrics', scrape);
  else app.get('/metrics', auth.node, scrape);
}
