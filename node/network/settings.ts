import { multiaddr } from '@multiformats/multiaddr';
import { NetworkError, NetworkErrorCode } from './errors.js';
import type { InboundLimits } from './inbound-limits.js';
import type { NetworkInit } from './index.js';
import { parseBootstrap } from './maintain.js';
import type { PeerRetention } from './peer-book.js';
import type { RateLimit } from './rate-limit.js';

const DEFAULT_RETENTION: PeerRetention = {
  maxPeers: 64,
  perIp: 2,
  perSubnet: 8,
  usefulHalfLifeMs: 7 * 24 * 3600_000,
  flushIntervalMs: 30_000,
};

const DEFAULT_INBOUND_LIMITS: InboundLimits = {
  perIp: 8,
  ratePerIp: { perMinute: 60, burst: 10 },
  pendingInbound: 10,
};

/** NetworkInit with every default filled in (the defaults live here, and only here). */
export function resolveSettings(init: NetworkInit) {
  const t = init.timeouts ?? {};
  const r = init.rateLimits ?? {};
  return {
    listen: checkListen(init.listen ?? ['/ip4/127.0.0.1/tcp/0']),
    announce: init.announce === undefined ? undefined : checkAnnounce(init.announce),
    bootstrapList: init.bootstrap ?? [],
    bootstrap: parseBootstrapOrThrow(init.bootstrap ?? []),
    mdns: init.mdns ?? false,
    dhtServer: init.dhtServer ?? true,
    dhtAddresses: init.dhtAddresses ?? 'all',
    heartbeatIntervalMs: init.heartbeatIntervalMs ?? 1000,
    maintainIntervalMs: init.maintainIntervalMs ?? 10_000,
    minPeers: init.minPeers ?? 4,
    maxConnections: init.maxConnections ?? 100,
    timeouts: {
      findProvidersMs: t.findProvidersMs ?? 10_000,
      providerMs: t.providerMs ?? 10_000,
      fetchMs: t.fetchMs ?? 30_000,
      provideMs: t.provideMs ?? 30_000,
      serveMs: t.serveMs ?? 30_000,
      dialMs: t.dialMs ?? 5_000,
      syncIdleMs: t.syncIdleMs ?? 5_000,
    },
    peerRetention: { ...DEFAULT_RETENTION, ...init.peerRetention },
    inboundLimits: { ...DEFAULT_INBOUND_LIMITS, ...init.inboundLimits },
    rateLimits: {
      messagesPerPeer: r.messagesPerPeer ?? ({ perMinute: 600, burst: 120 } as RateLimit),
      digestsPerAuthor: r.digestsPerAuthor ?? ({ perMinute: 6, burst: 3 } as RateLimit),
      patternsPerAuthor: r.patternsPerAuthor ?? ({ perMinute: 30, burst: 10 } as RateLimit),
      packRequestsPerPeer: r.packRequestsPerPeer ?? ({ perMinute: 30, burst: 10 } as RateLimit),
      syncRequestsPerPeer: r.syncRequestsPerPeer ?? ({ perMinute: 6, burst: 3 } as RateLimit),
    },
    providerCacheTtlMs: init.providerCacheTtlMs ?? 5 * 60_000,
    maxTrackedPeers: init.maxTrackedPeers ?? 1000,
    reprovideFetched: init.reprovideFetched ?? true,
    maxServedPacks: init.maxServedPacks ?? 256,
    maxServedBytes: init.maxServedBytes ?? 64 * 1024 * 1024,
    validation: {
      maxClockSkewMs: init.maxClockSkewMs,
      digestMaxAgeMs: init.digestMaxAgeMs,
      patternMaxAgeMs: init.patternMaxAgeMs,
    },
    scoreParams: init.scoreParams,
    scoreThresholds: init.scoreThresholds,
    connectionGater: init.connectionGater,
    clock: init.clock ?? Date.now,
  };
}

export type Settings = ReturnType<typeof resolveSettings>;

/** A listen address on every interface (0.0.0.0, ::): announced as is, it would name each of them. */
export function isWildcard(address: string): boolean {
  return /^\/ip[46]\/(?:0\.0\.0\.0|::)(?:\/|$)/.test(address);
}

/** Announce addresses are multiaddrs too, never wildcards (a peer cannot dial 0.0.0.0). */
function checkAnnounce(list: string[]): string[] {
  for (const address of list) {
    let bad: string | undefined;
    try {
      multiaddr(address);
      if (isWildcard(address)) bad = 'a wildcard address is not one peers can dial';
    } catch (e) {
      bad = `not a multiaddr (${(e as Error).message})`;
    }
    if (bad)
      throw new NetworkError(
        { code: NetworkErrorCode.BAD_ADDRESS, address },
        `announce address ${JSON.stringify(address)}: ${bad}; use this node's public address, e.g. /ip4/203.0.113.7/tcp/4591`,
      );
  }
  return list;
}

/** Listen addresses must be multiaddrs (`/ip4/0.0.0.0/tcp/4591`): a typo is an error that says so. */
function checkListen(list: string[]): string[] {
  for (const address of list) {
    try {
      multiaddr(address);
    } catch (e) {
      throw new NetworkError(
        { code: NetworkErrorCode.BAD_ADDRESS, address },
        `listen address ${JSON.stringify(address)} is not a multiaddr (${(e as Error).message}); use e.g. /ip4/0.0.0.0/tcp/4591`,
      );
    }
  }
  return list;
}

function parseBootstrapOrThrow(list: string[]) {
  return list.map((address) => {
    try {
      return parseBootstrap([address])[0];
    } catch (e) {
      throw new NetworkError(
        { code: NetworkErrorCode.BAD_ADDRESS, address },
        `bootstrap address ${JSON.stringify(address)} is not a multiaddr ending in /p2p/<peer id> (${(e as Error).message}); e.g. /ip4/10.0.0.5/tcp/4591/p2p/12D3KooW...`,
      );
    }
  });
}
