import { peerIdFromString } from '@libp2p/peer-id';
import { TOPICS } from '../../protocols/index.js';
import type { NetContext } from './context.js';
import type { NetworkStats, PeerSummary } from './index.js';
import type { WeaverLibp2p } from './libp2p.js';

// GossipSub's class has getScore and getMeshPeers; its exported interface does not
interface GossipSubInternals {
  getScore?: (id: string) => number;
  getMeshPeers?: (topic: string) => string[];
}
export const gossipInternals = (libp2p: WeaverLibp2p) =>
  libp2p.services.pubsub as unknown as GossipSubInternals;

/** Connected peers and every peer that sent something, with gossipsub's score and the counts. */
export function peerSummaries(ctx: NetContext): PeerSummary[] {
  if (!ctx.run) return [];
  const { libp2p, book } = ctx.run;
  const gs = gossipInternals(libp2p);
  const connected = new Set(libp2p.getPeers().map(String));
  const ids = new Set([...connected, ...ctx.counters.peerIds(), ...book.latest().map((d) => d.peer)]);
  ids.delete(ctx.selfId);
  return [...ids].map((id) => {
    const c = ctx.counters.peer(id);
    const isConnected = connected.has(id);
    return {
      id,
      connected: isConnected,
      addresses: isConnected
        ? libp2p.getConnections(peerIdFromString(id)).map((x) => x.remoteAddr.toString())
        : [],
      score: typeof gs.getScore === 'function' ? gs.getScore(id) : undefined,
      digests: c?.accepted.digests ?? 0,
      patterns: c?.accepted.patterns ?? 0,
      lastDigestEpoch: book.get(id)?.epoch,
      rejected: { ...c?.rejected },
    };
  });
}

export function networkStats(ctx: NetContext): NetworkStats {
  const libp2p = ctx.run?.libp2p;
  const gs = libp2p ? gossipInternals(libp2p) : undefined;
  const { stat, served, anonymizer, privacy } = ctx;
  return {
    peerId: ctx.selfId,
    started: ctx.run !== undefined,
    addresses: libp2p?.getMultiaddrs().map(String) ?? [],
    connections: libp2p?.getConnections().length ?? 0,
    topics: Object.fromEntries(
      TOPICS.map((topic) => [
        topic,
        {
          subscribers: libp2p?.services.pubsub.getSubscribers(topic).length ?? 0,
          mesh: gs?.getMeshPeers?.(topic).length ?? 0,
        },
      ]),
    ),
    verdicts: ctx.counters.totals(),
    rejections: ctx.counters.rejections(),
    published: { ...stat.published },
    digestsHeld: ctx.run?.book.size ?? 0,
    packs: {
      served: served.size,
      servedBytes: served.bytes,
      fetched: stat.fetched,
      fetchedVia: { ...stat.fetchedVia },
      provided: { ...stat.provided, pending: ctx.pendingProvides.size },
    },
    privacy: anonymizer.summary(privacy, ctx.settings.clock()),
    dht: { mode: libp2p ? libp2p.services.dht.getMode() : 'stopped' },
    dialFailures: stat.dialFailures,
    gossipRepairs: stat.gossipRepairs,
  };
}
