import type { PrivateKey } from '@libp2p/interface';
import type {
  Anonymizer,
  Digest,
  PatternAnnouncement,
  PrivacyState,
  ReplayGuard,
} from '../../protocols/index.js';
import type { Counters } from './counters.js';
import type { DigestBook } from './digest-book.js';
import type { MessageMeta } from './gossip.js';
import type { WeaverLibp2p } from './libp2p.js';
import type { PeerBook } from './peer-book.js';
import type { NetState } from './persist.js';
import type { Providers } from './providers.js';
import type { RateLimiter } from './rate-limit.js';
import type { ServedPacks } from './served-packs.js';
import type { Settings } from './settings.js';

/** What exists only while the network runs (a new libp2p node per start). */
export interface Running {
  libp2p: WeaverLibp2p;
  book: DigestBook;
  /** the peers met, what they proved, and which are saved to dial after a restart */
  peers: PeerBook;
  providers: Providers;
  uninstall(): void;
  timer: NodeJS.Timeout;
  /** aborted on stop: background provides, fetches in flight */
  abort: AbortController;
}

/** The network's state across starts, shared by the small modules that make it up. */
export interface NetContext {
  readonly selfId: string;
  readonly peerKey: PrivateKey;
  readonly settings: Settings;
  readonly counters: Counters;
  readonly state: NetState;
  readonly anonymizer: Anonymizer;
  readonly served: ServedPacks;
  /** recent announcements by content id (their publishers are provider hints) */
  readonly announcements: Map<string, PatternAnnouncement>;
  readonly patternReplay: ReplayGuard;
  readonly limits: {
    perSource: RateLimiter;
    digestsPerAuthor: RateLimiter;
    patternsPerAuthor: RateLimiter;
    packRequests: RateLimiter;
    syncRequests: RateLimiter;
  };
  readonly listeners: {
    digest: Set<(d: Digest, m: MessageMeta) => void>;
    pattern: Set<(a: PatternAnnouncement, m: MessageMeta) => void>;
  };
  /** this node's latest published digest, served to peers catching up (its book holds only others') */
  readonly own: { digest?: Digest };
  /** the last announcement timestamp per own pack name */
  readonly lastAnnounced: Map<string, number>;
  /** cids to provide in the DHT once there are peers, with the attempts made */
  readonly pendingProvides: Map<string, number>;
  readonly stat: {
    published: { digests: number; patterns: number };
    fetched: number;
    fetchedVia: Record<string, number>;
    provided: { ok: number; failed: number };
    dialFailures: number;
    /** connections hung up because gossipsub had no outbound stream on them */
    gossipRepairs: number;
  };
  readonly onError: (e: unknown) => void;
  privacy: PrivacyState;
  run: Running | undefined;
}
