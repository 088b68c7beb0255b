import {
  DIGEST_VERSION,
  type Digest,
  INITIAL_PRIVACY_STATE,
  migratePrivacyState,
  type PrivacyState,
} from '../../protocols/index.js';
import type { Store } from '../storage/index.js';

/**
 * The network's durable state, in the store's 'config' sublevel under `net!` (or in memory when the
 * network runs without a store): the privacy budget, the latest digest of every peer (which also
 * seeds replay protection after a restart) and the peers worth dialling again after a restart
 * (which ones is decided by peer-book.ts; this file only reads and writes them).
 */
export interface PeerRecord {
  id: string;
  /** the addresses it listens on, as it told identify (at most 8) */
  addrs: string[];
  /** the IP its connection came from (observed, not claimed): what the per-IP and per-/24 caps count */
  ip?: string;
  firstSeen: number;
  lastSeen: number;
  /** the last time it proved useful (0: never) */
  lastUseful: number;
  /** valid digests it authored that this node accepted */
  digests: number;
  /** valid digests it was the first to deliver (relayed by gossip, or served on catch-up) */
  relayed: number;
  /** packs fetched from it that verified */
  packs: number;
  /** time connected to this node, summed over connections */
  connectedMs: number;
  /** gossipsub's score of it, as last sampled while connected */
  score: number;
}

export interface NetState {
  privacy(): Promise<PrivacyState>;
  setPrivacy(s: PrivacyState): Promise<void>;
  digests(): Promise<Digest[]>;
  putDigest(d: Digest): Promise<void>;
  deleteDigest(peer: string): Promise<void>;
  /** the saved peers (older stores hold `{id, addrs, lastSeen}`: the missing fields read as 0) */
  peerRecords(): Promise<PeerRecord[]>;
  /** writes and deletes saved peers in one batch */
  updatePeerRecords(put: PeerRecord[], del: string[]): Promise<void>;
}

const PRIVACY = 'net!privacy';
const DIGEST = 'net!digest!';
const PEER = 'net!peer!';

/** a stored record completed with defaults (records written before retention by usefulness lack most fields) */
export function completeRecord(r: Partial<PeerRecord> & { id: string }): PeerRecord {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const lastSeen = num(r.lastSeen);
  return {
    id: r.id,
    addrs: Array.isArray(r.addrs) ? r.addrs.filter((a) => typeof a === 'string').slice(0, 8) : [],
    ...(typeof r.ip === 'string' ? { ip: r.ip } : {}),
    firstSeen: num(r.firstSeen) || lastSeen,
    lastSeen,
    lastUseful: num(r.lastUseful),
    digests: num(r.digests),
    relayed: num(r.relayed),
    packs: num(r.packs),
    connectedMs: num(r.connectedMs),
    score: num(r.score),
  };
}

export function createNetState(store: Store | undefined): NetState {
  if (!store) return memoryState();
  return {
    // an older shape ({spent, lastEpoch, published}) loads with no dated spends and no noise kept
    privacy: async () => migratePrivacyState(await store.get<unknown>('config', PRIVACY)),
    setPrivacy: (s) => store.put('config', PRIVACY, s),
    // digests of an older payload version are no longer valid anywhere: not served, not counted
    digests: async () =>
      (await store.scan<Digest>('config', { prefix: DIGEST })).flatMap(([, v]) =>
        v?.v === DIGEST_VERSION ? [v] : [],
      ),
    putDigest: (d) => store.put('config', `${DIGEST}${d.peer}`, d),
    deleteDigest: (peer) => store.batch([{ type: 'del', sublevel: 'config', key: `${DIGEST}${peer}` }]),
    peerRecords: async () =>
      (await store.scan<Partial<PeerRecord>>('config', { prefix: PEER })).flatMap(([key, v]) =>
        v && typeof v === 'object' ? [completeRecord({ ...v, id: key.slice(PEER.length) })] : [],
      ),
    updatePeerRecords: (put, del) =>
      store.batch([
        ...put.map((r) => ({
          type: 'put' as const,
          sublevel: 'config' as const,
          key: `${PEER}${r.id}`,
          value: r,
        })),
        ...del.map((id) => ({ type: 'del' as const, sublevel: 'config' as const, key: `${PEER}${id}` })),
      ]),
  };
}

function memoryState(): NetState {
  let privacy: PrivacyState = { ...INITIAL_PRIVACY_STATE };
  const digests = new Map<string, Digest>();
  const peers = new Map<string, PeerRecord>();
  return {
    privacy: async () => privacy,
    setPrivacy: async (s) => {
      privacy = s;
    },
    digests: async () => [...digests.values()],
    putDigest: async (d) => void digests.set(d.peer, d),
    deleteDigest: async (peer) => void digests.delete(peer),
    peerRecords: async () => [...peers.values()].map((r) => ({ ...r })),
    updatePeerRecords: async (put, del) => {
      for (const r of put) peers.set(r.id, { ...r });
      for (const id of del) peers.delete(id);
    },
  };
}
