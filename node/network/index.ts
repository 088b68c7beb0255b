import './polyfill.js';
import type { PeerScoreParams, PeerScoreThresholds } from '@libp2p/gossipsub/score';
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import type {
  AnonymizedDigest,
  AnonymizeResult,
  AnonymizerInit,
  ArmStatsLike,
  Digest,
  PatternAnnouncement,
  PrivacySummary,
  Withheld,
} from '../../protocols/index.js';
import type { Pack } from '../packs/index.js';
import type { Store } from '../storage/index.js';
import type { MessageMeta } from './gossip.js';
import type { InboundLimits } from './inbound-limits.js';
import type { DhtAddressFilter } from './libp2p.js';
import type { FetchedPack } from './pack-protocol.js';
import type { PeerRetention } from './peer-book.js';
import type { RateLimit } from './rate-limit.js';

export {
  type FetchAttempt,
  isNetworkError,
  NetworkError,
  NetworkErrorCode,
  type NetworkErrorType,
  type PackRejectReason,
} from './errors.js';
export type { MessageMeta } from './gossip.js';
export type { InboundLimits } from './inbound-limits.js';
export { createLibp2pNode, type Libp2pSetup, TOPIC_SCORE, type WeaverLibp2p } from './libp2p.js';
export { createNetwork } from './network.js';
export type { FetchedPack } from './pack-protocol.js';
export type { PeerRetention } from './peer-book.js';
export { createPeerKey, decodePeerKey, loadOrCreatePeerKey, PEER_KEY_FILE, peerIdOfKey } from './peer-key.js';
export type { RateLimit } from './rate-limit.js';
export { isWildcard } from './settings.js';

export interface NetworkComponents {
  /** the node's store: privacy budget, peers' latest digests and known peers persist in 'config' under `net!` */
  store?: Store;
  /** called with errors the network survives (a store write that failed, ...) */
  onError?: (e: unknown) => void;
}

export interface NetworkRateLimits {
  /** gossip messages relayed to us by one peer, both topics (default 600/min, burst 120) */
  messagesPerPeer?: RateLimit;
  /** digests authored by one peer (default 6/min, burst 3) */
  digestsPerAuthor?: RateLimit;
  /** announcements authored by one peer (default 30/min, burst 10) */
  patternsPerAuthor?: RateLimit;
  /** pack requests served to one peer (default 30/min, burst 10) */
  packRequestsPerPeer?: RateLimit;
  /** digest catch-up requests served to one peer (default 6/min, burst 3) */
  syncRequestsPerPeer?: RateLimit;
}

export interface NetworkTimeouts {
  /** one DHT provider lookup (default 10 s) */
  findProvidersMs?: number;
  /** one provider's whole answer, dial included (default 10 s) */
  providerMs?: number;
  /** a whole fetchPack (default 30 s) */
  fetchMs?: number;
  /** one DHT provide (default 30 s) */
  provideMs?: number;
  /** serving one pack request (default 30 s) */
  serveMs?: number;
  /** one dial (default 5 s) */
  dialMs?: number;
  /** digest catch-up: longest silence from the peer (no byte of a frame, no end of its side; default 5 s) */
  syncIdleMs?: number;
}

export interface NetworkInit {
  /** the node's identity: `await loadOrCreatePeerKey(home)` */
  peerKey: PrivateKey;
  /** listen multiaddrs (default ['/ip4/127.0.0.1/tcp/0']) */
  listen?: string[];
  /**
   * the only addresses peers are told (identify, DHT), instead of the listen addresses (behind NAT,
   * in containers); without them a wildcard listen address (0.0.0.0, ::) is announced as nothing
   */
  announce?: string[];
  /** multiaddrs with /p2p/<peer id>, dialled at start and redialled while disconnected */
  bootstrap?: string[];
  /** discover peers on the LAN with mDNS (default false) */
  mdns?: boolean;
  /** answer DHT queries (default true); false for nodes nobody can dial */
  dhtServer?: boolean;
  /** addresses the DHT keeps and hands out (default 'all': LAN and loopback work) */
  dhtAddresses?: DhtAddressFilter;
  /** gossipsub heartbeat (default 1000 ms; tests use less) */
  heartbeatIntervalMs?: number;
  /** connection upkeep: bootstrap redials, known peers while below minPeers (default 10 s) */
  maintainIntervalMs?: number;
  minPeers?: number;
  maxConnections?: number;
  rateLimits?: NetworkRateLimits;
  timeouts?: NetworkTimeouts;
  /** how long a provider learned from the DHT or an announcement is reused (default 5 min) */
  providerCacheTtlMs?: number;
  /** peers whose digests and counters are kept (default 1000) */
  maxTrackedPeers?: number;
  /** serve the packs fetched from peers, and provide them in the DHT (default true) */
  reprovideFetched?: boolean;
  /** limits of the packs served (own packs are never evicted): default 256 packs, 64 MiB */
  maxServedPacks?: number;
  maxServedBytes?: number;
  /** the anonymizer's k, epsilon, lifetime budget, epoch and model policy */
  anonymizer?: AnonymizerInit;
  /** how far ahead a message may be dated (default 60 s), how old digests and announcements may be */
  maxClockSkewMs?: number;
  digestMaxAgeMs?: number;
  patternMaxAgeMs?: number;
  /** gossipsub scoring overrides (the topics get TOPIC_SCORE unless given) */
  scoreParams?: Partial<PeerScoreParams>;
  scoreThresholds?: Partial<PeerScoreThresholds>;
  /** libp2p connection gater (allow/deny lists); the per-IP inbound limits are applied before it */
  connectionGater?: ConnectionGater;
  /** inbound connections per IP: held at once (default 8), new ones per IP (60/min, burst 10), upgrading at once (10) */
  inboundLimits?: Partial<InboundLimits>;
  /** which peers are saved to be dialled after a restart (peer-book.ts): 64 places by usefulness, 2 per IP, 8 per /24 */
  peerRetention?: Partial<PeerRetention>;
  /** the clock messages are dated and checked with (default Date.now) */
  clock?: () => number;
}

export interface PeerSummary {
  id: string;
  connected: boolean;
  /** remote addresses of the open connections */
  addresses: string[];
  /** gossipsub's score of the peer (undefined when gossipsub does not know it) */
  score: number | undefined;
  /** digests and announcements it authored that were accepted */
  digests: number;
  patterns: number;
  /** epoch of its latest digest held */
  lastDigestEpoch?: number;
  /** what it sent that was not accepted, by `<channel>:<verdict>` (e.g. `digests:reject:malformed`) */
  rejected: Record<string, number>;
  /** the weight this node's ratings give its digests (its trust, node/trust-store.ts); set by node/peering.ts */
  trust?: number;
}

export interface NetworkStats {
  peerId: string;
  started: boolean;
  addresses: string[];
  connections: number;
  topics: Record<string, { subscribers: number; mesh: number }>;
  /** every verdict counted, by `<channel>:<verdict>`: accepts, rejects and ignores with their reason */
  verdicts: Record<string, number>;
  /** only the rejects and ignores */
  rejections: Record<string, number>;
  published: { digests: number; patterns: number };
  digestsHeld: number;
  packs: {
    served: number;
    servedBytes: number;
    fetched: number;
    /** where the providers of successful fetches came from */
    fetchedVia: Record<string, number>;
    /** DHT provides done, failed, and waiting for this node to have peers */
    provided: { ok: number; failed: number; pending: number };
  };
  /** (epsilon, delta) of a digest, epsilon spent over the last 365 days and what is left of the year's budget */
  privacy: PrivacySummary;
  dht: { mode: 'client' | 'server' | 'stopped' };
  dialFailures: number;
  /** connections hung up because gossipsub could not open its stream on them (they are redialled) */
  gossipRepairs: number;
}

export interface PublishedDigest {
  digest: Digest;
  /** peers the message was sent to (0 when alone: it is still valid, nobody heard it) */
  recipients: number;
}

export type PublishLearningResult =
  | ({ published: true; withheld: Withheld } & PublishedDigest)
  | { published: false; reason: Extract<AnonymizeResult, { ok: false }>['reason']; withheld?: Withheld };

export interface AnnouncedPattern {
  announcement: PatternAnnouncement;
  recipients: number;
  /** resolves when the DHT provide finished: true when it worked */
  provided: Promise<boolean>;
}

export interface FetchOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** peers to try first (e.g. the announcement's publisher) */
  providers?: string[];
  /** ask the DHT for providers (default true) */
  useDht?: boolean;
}

/** The node's part in the WeaverGen network. Nothing a peer sends can make it throw or crash. */
export interface Network {
  readonly peerId: string;
  readonly started: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** listen addresses with /p2p/<peer id> (give them to other nodes as bootstrap) */
  addresses(): string[];
  dial(multiaddr: string): Promise<void>;
  peers(): PeerSummary[];
  /** the latest accepted digest of every peer (last writer wins per peer and epoch) */
  digests(): Digest[];
  /** this epoch's digest from the statistics: spends the privacy budget (persisted), or says why not */
  buildDigest(stats: readonly ArmStatsLike[]): Promise<AnonymizeResult>;
  /** signs and gossips a digest the anonymizer built */
  publishDigest(digest: AnonymizedDigest): Promise<PublishedDigest>;
  /** buildDigest, then publishDigest when there is one */
  publishLearning(stats: readonly ArmStatsLike[]): Promise<PublishLearningResult>;
  /** serves the pack, provides it in the DHT (in the background) and gossips a signed announcement */
  announcePattern(pack: Pack): Promise<AnnouncedPattern>;
  /** serves the pack and provides it in the DHT, without announcing it */
  providePack(pack: Pack): Promise<{ cid: string; announcement: PatternAnnouncement; dhtProvided: boolean }>;
  /** a pack by content id, verified (hash, publisher signature, manifest); throws PACK_UNAVAILABLE */
  fetchPack(cid: string, options?: FetchOptions): Promise<FetchedPack>;
  onDigest(listener: (digest: Digest, meta: MessageMeta) => void): () => void;
  onPattern(listener: (announcement: PatternAnnouncement, meta: MessageMeta) => void): () => void;
  stats(): NetworkStats;
}
