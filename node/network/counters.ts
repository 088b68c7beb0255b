/**
 * Counts of what came in and what happened to it, by channel (digests, patterns, packs, and
 * connections: inbound connections refused, counted without a peer, as none is known yet) and
 * verdict key (`accept`, `reject:malformed`, `ignore:replayed`, ...), overall and per peer.
 */
export type Channel = 'digests' | 'patterns' | 'packs' | 'connections';

export interface PeerCounts {
  /** accepted messages this peer authored, per channel */
  accepted: Record<Channel, number>;
  /** rejected and ignored messages this peer sent us, by `<channel>:<verdict key>` */
  rejected: Record<string, number>;
  lastSeen: number;
}

export interface Counters {
  count(channel: Channel, key: string, peer?: string): void;
  /** totals by `<channel>:<verdict key>` */
  totals(): Record<string, number>;
  /** the rejects, ignores, failures and errors only */
  rejections(): Record<string, number>;
  peer(id: string): PeerCounts | undefined;
  peerIds(): string[];
}

/** `<channel>:reject:...`, `:ignore:...`, `:fail:...`, `:error:...` (not accepts, not `serve:*`) */
const NOT_ACCEPTED = /^[a-z]+:(?:reject|ignore|fail|error):/;

export function createCounters(maxPeers = 1000): Counters {
  const totals = new Map<string, number>();
  const peers = new Map<string, PeerCounts>();
  const peerOf = (id: string) => {
    let p = peers.get(id);
    if (!p) {
      p = { accepted: { digests: 0, patterns: 0, packs: 0, connections: 0 }, rejected: {}, lastSeen: 0 };
      while (peers.size >= maxPeers) peers.delete(peers.keys().next().value as string);
    } else peers.delete(id);
    peers.set(id, p);
    return p;
  };
  return {
    count(channel, key, peer) {
      const k = `${channel}:${key}`;
      totals.set(k, (totals.get(k) ?? 0) + 1);
      if (peer === undefined) return;
      const p = peerOf(peer);
      p.lastSeen = Date.now();
      if (key === 'accept') p.accepted[channel]++;
      else p.rejected[k] = (p.rejected[k] ?? 0) + 1;
    },
    totals: () => Object.fromEntries(totals),
    rejections: () => Object.fromEntries([...totals].filter(([k]) => NOT_ACCEPTED.test(k))),
    peer: (id) => peers.get(id),
    peerIds: () => [...peers.keys()],
  };
}
