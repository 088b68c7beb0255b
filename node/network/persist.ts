import { type Digest, INITIAL_PRIVACY_STATE, type PrivacyState } from '../../protocols/index.js';
import type { Store } from '../storage/index.js';

/**
 * The network's durable state, in the store's 'config' sublevel under `net!` (or in memory when the
 * network runs without a store): the privacy budget, the latest digest of every peer (which also
 * seeds replay protection after a restart) and the addresses of recently connected peers.
 */
export interface KnownPeer {
  id: string;
  addrs: string[];
  lastSeen: number;
}

export interface NetState {
  privacy(): Promise<PrivacyState>;
  setPrivacy(s: PrivacyState): Promise<void>;
  digests(): Promise<Digest[]>;
  putDigest(d: Digest): Promise<void>;
  deleteDigest(peer: string): Promise<void>;
  knownPeers(): Promise<KnownPeer[]>;
  putKnownPeer(p: KnownPeer): Promise<void>;
}

const PRIVACY = 'net!privacy';
const DIGEST = 'net!digest!';
const PEER = 'net!peer!';

export function createNetState(store: Store | undefined, maxKnownPeers = 64): NetState {
  if (!store) return memoryState(maxKnownPeers);
  return {
    privacy: async () => ({
      ...INITIAL_PRIVACY_STATE,
      ...(await store.get<PrivacyState>('config', PRIVACY)),
    }),
    setPrivacy: (s) => store.put('config', PRIVACY, s),
    digests: async () => (await store.scan<Digest>('config', { prefix: DIGEST })).map(([, v]) => v),
    putDigest: (d) => store.put('config', `${DIGEST}${d.peer}`, d),
    deleteDigest: (peer) => store.batch([{ type: 'del', sublevel: 'config', key: `${DIGEST}${peer}` }]),
    knownPeers: async () =>
      (await store.scan<KnownPeer>('config', { prefix: PEER }))
        .map(([, v]) => v)
        .sort((a, b) => b.lastSeen - a.lastSeen)
        .slice(0, maxKnownPeers),
    async putKnownPeer(p) {
      await store.put('config', `${PEER}${p.id}`, p);
      const all = (await store.scan<KnownPeer>('config', { prefix: PEER })).sort(
        (a, b) => b[1].lastSeen - a[1].lastSeen,
      );
      if (all.length > maxKnownPeers)
        await store.batch(
          all.slice(maxKnownPeers).map(([key]) => ({ type: 'del', sublevel: 'config', key })),
        );
    },
  };
}

function memoryState(maxKnownPeers: number): NetState {
  let privacy: PrivacyState = { ...INITIAL_PRIVACY_STATE };
  const digests = new Map<string, Digest>();
  const peers = new Map<string, KnownPeer>();
  return {
    privacy: async () => privacy,
    setPrivacy: async (s) => {
      privacy = s;
    },
    digests: async () => [...digests.values()],
    putDigest: async (d) => void digests.set(d.peer, d),
    deleteDigest: async (peer) => void digests.delete(peer),
    knownPeers: async () =>
      [...peers.values()].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, maxKnownPeers),
    putKnownPeer: async (p) => {
      peers.set(p.id, p);
      if (peers.size > maxKnownPeers) {
        const oldest = [...peers.values()].sort((a, b) => a.lastSeen - b.lastSeen)[0];
        peers.delete(oldest.id);
      }
    },
  };
}
