import type { Hono } from 'hono';
import type { RouteContext } from '../context.js';

/**
 * GET /v1/peers: this node's peer id and announced addresses, what it shares (`share`: the mode and
 * what it means), its peers (score, digests, rejections by reason), network counters.
 */
export function peerRoutes(app: Hono, { node, auth }: RouteContext): void {
  app.get('/v1/peers', auth.read, (c) => c.json(node.peers()));
}
