/**
 * The marketplace: pattern packs as signed, content-addressed data; the index of known packs and
 * its search; the network's ratings of arms (peers' digests, last writer wins, per-peer caps, a
 * trust-weighted robust aggregate clipped at the weighted median, each peer's trust earned by
 * agreeing with this node's own measurements); and the priors they give the optimizer. Pure domain: no I/O, no libp2p node, no
 * HTTP. The network layer feeds it what arrived (with the authenticated sender as `from`) and the
 * node asks it for priors and search results.
 */

import { sanitizeDigest, toDigest } from './digest.js';
import {
  MarketplaceError,
  MarketplaceErrorCode,
  type Rejected,
  type RejectReason,
  reject,
} from './errors.js';
import type { Pack } from './pack.js';
import type { DecodeOptions } from './pack-codec.js';
import { createPackIndex, type PackEntry, type PackIndex, type PackIndexInit } from './pack-index.js';
import {
  type AddStatus,
  createRatings,
  type PeerDigest,
  type PriorCounts,
  type PriorsOptions,
  type Ratings,
  type RatingsInit,
} from './ratings.js';
import {
  type Comparison,
  createReputation,
  type LocalArmStats,
  type Reputation,
  type ReputationInit,
  type ReputationSnapshot,
} from './reputation.js';
import type { SearchHit, SearchQuery } from './search.js';
import {
  checkAnnouncement,
  type PackVerdict,
  type PatternAnnouncement,
  type PrivateKey,
  signPack,
  verifyPack,
} from './signature.js';

export * from './aggregate.js';
export * from './errors.js';
export { type BackoffRule, contextDistance, DEFAULT_BACKOFF } from './neighbours.js';
export { isSafePackPath } from './pack.js';
export {
  bytesMatchCid,
  cidOfBytes,
  clip,
  type Decoded,
  type DecodeOptions,
  MAX_PACK_WIRE_BYTES,
  packFromBytes,
  packToBytes,
} from './pack-codec.js';
export { canonicalJson, encodePack, type PackContent, packCid, paramsHash } from './pack-id.js';
export * from './pack-index.js';
export * from './ratings.js';
export * from './reputation.js';
export * from './search.js';
export * from './signature.js';

export interface MarketplaceInit {
  /** e.g. `{ robust: false }` for the plain weighted mean (the baseline), `clip`, `perPeerCap` */
  ratings?: RatingsInit;
  /** each peer's trust: `initial` (0.1), `minScore`, `maxVotes`, ... */
  reputation?: ReputationInit;
  /** a saved reputation.snapshot() to start from (node/trust-store.ts) */
  reputationSnapshot?: ReputationSnapshot;
  index?: PackIndexInit;
  /** the transfer size limit for fetched packs (default MAX_PACK_WIRE_BYTES) */
  maxPackBytes?: number;
  /** how much the network's priors count by default, 0..1 (default 1) */
  trust?: number;
}

export interface MarketplaceComponents {
  /** the node's libp2p key, which signs its announcements (announce() throws without it) */
  privateKey?: PrivateKey;
}

export type DigestVerdict = { ok: true; status: AddStatus; comparison?: Comparison } | Rejected;

export interface MarketplaceSearchQuery extends SearchQuery {
  /** rank by the ratings in this context (default: over all contexts) */
  context?: string;
}

export interface Marketplace {
  readonly packs: PackIndex;
  readonly ratings: Ratings;
  readonly reputation: Reputation;
  /** Indexes packs this node holds (built-ins at start, installed ones as they are installed). */
  addLocal(pack: Pick<Pack, 'manifest' | 'templates'>, source: 'builtin' | 'installed'): PackEntry;
  /** Signs a local pack for the network (dated `timestamp`, default now) and indexes it as installed. */
  announce(pack: Pick<Pack, 'manifest' | 'templates'>, timestamp?: number): Promise<PatternAnnouncement>;
  /** A peer's announcement (untrusted): schema and signature checked, then indexed as unverified. */
  receiveAnnouncement(a: unknown, from?: string): Promise<{ ok: true; entry: PackEntry } | Rejected>;
  /** Fetched pack bytes: signature, hash, decode and manifest against the announcement, then indexed as verified. */
  receivePack(bytes: Uint8Array, a: unknown, from?: string): Promise<PackVerdict>;
  /**
   * A peer's digest into the ratings (last writer wins) and, when it is news, compared with this
   * node's own statistics for the peer's reputation. `from` is the sender the network authenticated:
   * a digest claiming another peer is rejected and charged to the sender.
   */
  receiveDigest(digest: PeerDigest, local: Iterable<LocalArmStats>, from?: string): DigestVerdict;
  /**
   * Judges every held digest again against this node's statistics now (after a generation added
   * evidence): each peer's vote for its held epoch is replaced, so trust follows what this node
   * measures. Returns how many digests were judged (had something comparable).
   */
  recheck(local: Iterable<LocalArmStats>): number;
  /** Pseudo-counts per arm key for optimizer.choose(..., { priors }). */
  priorsFor(
    context: string,
    arms: Iterable<string | { key: string }>,
    trust?: number,
    options?: PriorsOptions,
  ): Record<string, PriorCounts>;
  search(query: MarketplaceSearchQuery): SearchHit[];
  /** Records a rejected message from a peer (also used by the network for its own schema rejections). */
  rejected(peer: string | undefined, reason: RejectReason | string): void;
  /** rejections by reason since start, for metrics */
  rejections(): Record<string, number>;
}

export function createMarketplace(
  components: MarketplaceComponents = {},
  init: MarketplaceInit = {},
): Marketplace {
  const reputation = createReputation(init.reputation, init.reputationSnapshot);
  // weights relative to the most trusted peer held, a new peer's trust at least: a newcomer beside a
  // trusted peer counts for little, a network of newcomers alone still counts; and an arm counts in
  // full only on three new peers' trust in absolute terms, so a lone newcomer (one sybil) counts a
  // third, below the support the optimizer wants before peers may move an incumbent
  const ratings = createRatings(
    { weightOf: (peer) => reputation.weight(peer) },
    { weightFloor: reputation.initial, trustQuorum: 3 * reputation.initial, ...init.ratings },
  );
  const packs = createPackIndex(init.index);
  const defaultTrust = init.trust ?? 1;
  const decode: DecodeOptions = init.maxPackBytes !== undefined ? { maxBytes: init.maxPackBytes } : {};
  const counts: Record<string, number> = {};

  const rejected = (peer: string | undefined, reason: string) => {
    counts[reason] = (counts[reason] ?? 0) + 1;
    // only an authenticated sender is charged: a claimed peer id may be someone being framed
    if (peer) reputation.rejected(peer, reason);
  };
  const fail = <T extends Rejected>(r: T, from: string | undefined): T => {
    rejected(from, r.reason);
    return r;
  };

  return {
    packs,
    ratings,
    reputation,
    addLocal: (pack, source) => packs.addPack(pack, source),

    async announce(pack, timestamp = Date.now()) {
      if (!components.privateKey)
        throw new MarketplaceError(
          { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: 'privateKey' },
          'announce needs the node private key',
        );
      const { announcement } = await signPack(pack, components.privateKey, timestamp);
      packs.addPack(pack, 'installed', announcement.publisher);
      return announcement;
    },

    async receiveAnnouncement(a, from) {
      const v = await checkAnnouncement(a);
      if (!v.ok) return fail(v, from);
      const { cid, name, version, publisher, language } = v.announcement;
      const added = packs.addAnnouncement({ cid, name, version, publisher, language });
      return added.ok ? added : fail(added, from);
    },

    async receivePack(bytes, a, from) {
      const publisher = (a as { publisher?: unknown } | null)?.publisher;
      const origin = `peer:${from ?? (typeof publisher === 'string' ? publisher.slice(0, 100) : 'unknown')}`;
      const v = await verifyPack(bytes, a, { ...decode, origin });
      if (!v.ok) return fail(v, from);
      packs.addPack(v.pack, 'announced', v.publisher);
      return v;
    },

    receiveDigest(digest, local, from) {
      if (from !== undefined && digest?.peer !== from)
        return fail(reject('bad-digest', `digest claims to be from another peer than ${from}`), from);
      const added = ratings.add(digest);
      if (!added.ok) return fail(added, from);
      // the same digest again was judged when it arrived (and again at every recheck)
      if (added.status === 'unchanged') return { ok: true, status: added.status };
      // an older epoch arriving late still votes for its epoch, so trust does not depend on the order
      const judged = added.status === 'stale' ? sanitizeDigest(digest, Number.MAX_SAFE_INTEGER) : undefined;
      const held = judged?.ok ? toDigest(judged.held) : ratings.reported(digest.peer);
      const comparison = held ? reputation.compare(held, local) : undefined;
      return { ok: true, status: added.status, ...(comparison ? { comparison } : {}) };
    },

    recheck(local) {
      const mine = [...local];
      let judged = 0;
      for (const d of ratings.digests()) if (reputation.compare(d, mine).counted) judged++;
      return judged;
    },

    priorsFor: (context, arms, trust = defaultTrust, options) =>
      ratings.priorsFor(context, arms, trust, options),

    search(query) {
      const rated = ratings.packRatings(query.context);
      return packs.search(query, (cid) => rated.get(cid));
    },

    rejected,
    rejections: () => ({ ...counts }),
  };
}
