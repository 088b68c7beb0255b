import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { WeaverLibp2p } from './libp2p.js';
import type { PeerRecord } from './persist.js';

export interface MaintainDeps {
  libp2p: WeaverLibp2p;
  bootstrap: { id: PeerId; addr: Multiaddr }[];
  /** peers met before, best first (the peer book's candidates) */
  knownPeers(): Promise<Pick<PeerRecord, 'id' | 'addrs'>[]>;
  minPeers: number;
  dialTimeoutMs: number;
  onDialFailure(): void;
}

/**
 * One round of connection upkeep: redial every bootstrap peer that is not connected, then, while
 * below minPeers, the known peers in the peer book's order (those that proved useful first). libp2p 3 does not dial discovered peers by
 * itself, and its reconnect queue gives up after a few tries; this is what lets a node that lost
 * its neighbours (they restarted, the network split) find them again when they come back.
 */
export async function maintainConnections(d: MaintainDeps): Promise<void> {
  const connected = new Set(d.libp2p.getPeers().map((p) => p.toString()));
  const self = d.libp2p.peerId.toString();
  const dial = async (target: PeerId | Multiaddr) => {
    try {
      await d.libp2p.dial(target, { signal: AbortSignal.timeout(d.dialTimeoutMs) });
    } catch {
      d.onDialFailure();
    }
  };
  await Promise.all(d.bootstrap.filter((b) => !connected.has(b.id.toString())).map((b) => dial(b.addr)));
  let missing = d.minPeers - d.libp2p.getPeers().length;
  if (missing <= 0) return;
  const candidates: PeerId[] = [];
  for (const k of await d.knownPeers()) {
    if (missing <= 0) break;
    if (k.id === self || connected.has(k.id) || d.bootstrap.some((b) => b.id.toString() === k.id)) continue;
    try {
      const id = peerIdFromString(k.id);
      const addrs = k.addrs.flatMap((a) => {
        try {
          return [multiaddr(a)];
        } catch {
          return [];
        }
      });
      if (addrs.length > 0) await d.libp2p.peerStore.merge(id, { multiaddrs: addrs });
      candidates.push(id);
      missing--;
    } catch {
      // a malformed record is skipped
    }
  }
  await Promise.all(candidates.map((id) => dial(id)));
}

/** Bootstrap entries: multiaddrs ending in /p2p/<peer id>. */
export function parseBootstrap(list: string[]): { id: PeerId; addr: Multiaddr }[] {
  return list.map((s) => {
    const addr = multiaddr(s);
    const id = addr.getComponents().findLast((c) => c.name === 'p2p')?.value;
    if (!id) throw new Error(`bootstrap address ${s} has no /p2p/<peer id>`);
    return { id: peerIdFromString(id), addr };
  });
}

// GossipSub's class exposes these maps; its exported interface does not
interface GossipSubStreams {
  peers?: Map<string, unknown>;
  streamsOutbound?: Map<string, unknown>;
}

/**
 * Peers whose gossipsub outbound stream has been missing for `afterMs` are hung up on, so the
 * redial (bootstrap, known peers, or theirs) starts gossipsub afresh. gossipsub opens that stream
 * once per connection and does not retry: a connection where it failed (a loaded machine, a
 * stream reset) would otherwise stay up and carry no messages from this node.
 */
export function createGossipRepair(libp2p: WeaverLibp2p, afterMs = 5000) {
  const missingSince = new Map<string, number>();
  return async function repair(now = Date.now()): Promise<number> {
    const gs = libp2p.services.pubsub as unknown as GossipSubStreams;
    if (!gs.peers || !gs.streamsOutbound) return 0;
    const missing = [...gs.peers.keys()].filter((id) => !gs.streamsOutbound?.has(id));
    for (const id of [...missingSince.keys()]) if (!missing.includes(id)) missingSince.delete(id);
    for (const id of missing) if (!missingSince.has(id)) missingSince.set(id, now);
    const stale = missing.filter((id) => now - (missingSince.get(id) ?? now) >= afterMs);
    for (const id of stale) missingSince.delete(id);
    await Promise.all(
      stale.map((id) =>
        libp2p.hangUp(peerIdFromString(id), { signal: AbortSignal.timeout(5000) }).catch(() => undefined),
      ),
    );
    return stale.length;
  };
}
