import type { ConnectionGater, MultiaddrConnection } from '@libp2p/interface';
import type { Counters } from './counters.js';
import { ipOf } from './ip.js';
import { createRateLimiter, type RateLimit } from './rate-limit.js';

/**
 * Limits on inbound connections by the IP they come from, checked by the connection gater on the
 * raw connection (before any handshake, so a refusal costs nothing but the accept):
 * - `perIp`: connections from one IP held at once, counting those still upgrading (default 8);
 *   refused ones are counted as `connections:reject:per-ip-limit`;
 * - `ratePerIp`: new connections from one IP (default 60/min, burst 10); refused ones are
 *   counted as `connections:reject:per-ip-rate`;
 * - `pendingInbound`: connections being upgraded at once, all IPs together (libp2p's
 *   maxIncomingPendingConnections, default 10; libp2p refuses the excess without telling us, so it
 *   is not counted).
 * libp2p's own per-host rate limit (inboundConnectionThreshold) is set well above `ratePerIp`, as a
 * backstop: the counted limit here is the one that acts.
 */
export interface InboundLimits {
  perIp: number;
  ratePerIp: RateLimit;
  pendingInbound: number;
}

const GATER_METHODS = [
  'denyDialPeer',
  'denyDialMultiaddr',
  'denyOutboundConnection',
  'denyInboundEncryptedConnection',
  'denyOutboundEncryptedConnection',
  'denyInboundUpgradedConnection',
  'denyOutboundUpgradedConnection',
  'denyInboundRelayReservation',
  'denyOutboundRelayedConnection',
  'denyInboundRelayedConnection',
  'filterMultiaddrForPeer',
] as const;

const LIVE = new Set(['open', 'closing']);

/**
 * A connection gater that applies the per-IP limits, then the node's own gater (`inner`, allow and
 * deny lists) for everything else. One per libp2p node: it tracks that node's inbound connections.
 */
export function inboundLimitsGater(
  limits: InboundLimits,
  counters: Counters,
  inner?: ConnectionGater,
): ConnectionGater {
  const byIp = new Map<string, Set<MultiaddrConnection>>();
  const rate = createRateLimiter(limits.ratePerIp);
  const live = (ip: string) => {
    const set = byIp.get(ip);
    if (!set) return 0;
    for (const c of set) if (!LIVE.has(c.status)) set.delete(c);
    if (set.size === 0) byIp.delete(ip);
    return set.size;
  };
  const gater: ConnectionGater = {
    async denyInboundConnection(maConn) {
      if (await inner?.denyInboundConnection?.(maConn)) return true;
      const ip = ipOf(maConn.remoteAddr);
      if (ip === undefined) return false;
      if (live(ip) >= limits.perIp) {
        counters.count('connections', 'reject:per-ip-limit');
        return true;
      }
      if (!rate.take(ip)) {
        counters.count('connections', 'reject:per-ip-rate');
        return true;
      }
      const set = byIp.get(ip) ?? new Set();
      byIp.set(ip, set);
      set.add(maConn);
      maConn.addEventListener(
        'close',
        () => {
          byIp.get(ip)?.delete(maConn);
          live(ip);
        },
        { once: true },
      );
      return false;
    },
  };
  for (const m of GATER_METHODS) {
    const f = inner?.[m] as ((...a: unknown[]) => boolean | Promise<boolean>) | undefined;
    if (f) (gater as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => f.apply(inner, a);
  }
  return gater;
}
