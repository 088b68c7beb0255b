import type { PeerId, PeerStore } from '@libp2p/interface';
import type { KadDHT } from '@libp2p/kad-dht';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';

export type ProviderSource = 'cache' | 'hint' | 'dht';

export interface ProviderCandidate {
  id: PeerId;
  source: ProviderSource;
}

export interface ProvidersInit {
  selfId: string;
  dht: KadDHT;
  peerStore: PeerStore;
  /** how long a learned provider is tried without asking the DHT again (default 5 min) */
  cacheTtlMs: number;
  /** hard limit on one DHT provider lookup */
  findTimeoutMs: number;
  /** hard limit on one DHT provide */
  provideTimeoutMs: number;
  /** stop a lookup after this many providers (default 8) */
  maxProviders: number;
  /** max cids in the provider cache */
  maxCids?: number;
}

export interface Providers {
  /** a peer known to hold cid (an announcement's publisher, a successful fetch) */
  remember(cid: string, peer: string): void;
  /** a peer that failed to give a good copy of cid is not tried again from the cache */
  forget(cid: string, peer: string): void;
  /** cached providers first, then a DHT lookup (bounded by findTimeoutMs and the caller's signal) */
  find(cid: string, options: { signal?: AbortSignal; useDht?: boolean }): AsyncGenerator<ProviderCandidate>;
  /** announces this node as a provider in the DHT; false when it failed or timed out */
  provide(cid: string, signal?: AbortSignal): Promise<boolean>;
  cached(cid: string): string[];
}

export function createProviders(init: ProvidersInit): Providers {
  const maxCids = init.maxCids ?? 2000;
  const cache = new Map<string, Map<string, number>>();

  const remember = (cid: string, peer: string) => {
    if (peer === init.selfId) return;
    let m = cache.get(cid);
    if (!m) {
      m = new Map();
      while (cache.size >= maxCids) cache.delete(cache.keys().next().value as string);
      cache.set(cid, m);
    }
    m.set(peer, Date.now() + init.cacheTtlMs);
  };

  const cached = (cid: string) => {
    const m = cache.get(cid);
    if (!m) return [];
    const now = Date.now();
    for (const [p, until] of m) if (until < now) m.delete(p);
    return [...m.keys()];
  };

  return {
    remember,
    forget: (cid, peer) => void cache.get(cid)?.delete(peer),
    cached,
    async *find(cid, { signal, useDht = true }) {
      const tried = new Set<string>([init.selfId]);
      for (const p of cached(cid)) {
        tried.add(p);
        yield { id: peerIdFromString(p), source: 'cache' };
      }
      if (!useDht || signal?.aborted) return;
      const timeout = AbortSignal.timeout(init.findTimeoutMs);
      const lookup = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let found = 0;
      try {
        for await (const event of init.dht.findProviders(CID.parse(cid), { signal: lookup })) {
          if (event.name !== 'PROVIDER') continue;
          for (const info of event.providers) {
            const id = info.id.toString();
            if (tried.has(id)) continue;
            tried.add(id);
            await mergeAddresses(init.peerStore, info.id, info.multiaddrs);
            remember(cid, id);
            found++;
            yield { id: info.id, source: 'dht' };
            if (found >= init.maxProviders || lookup.aborted) return;
          }
        }
      } catch {
        // a lookup that times out or fails ends the candidates; the caller reports what it tried
      }
    },
    async provide(cid, signal) {
      const timeout = AbortSignal.timeout(init.provideTimeoutMs);
      const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        for await (const _ of init.dht.provide(CID.parse(cid), { signal: s })) {
          if (s.aborted) return false;
        }
        return !s.aborted;
      } catch {
        return false;
      }
    },
  };
}

async function mergeAddresses(peerStore: PeerStore, id: PeerId, multiaddrs: Multiaddr[]) {
  if (multiaddrs.length === 0) return;
  await peerStore.merge(id, { multiaddrs }).catch(() => undefined);
}
