import {
  clamp01,
  cmp,
  type HeldDigest,
  noiseDiscount,
  type PeerDigest,
  sanitizeDigest,
  toDigest,
} from './digest.js';
import { MarketplaceError, MarketplaceErrorCode, type Rejected } from './errors.js';

export type { DigestEntry, PeerDigest } from './digest.js';

/** Pseudo-counts for one arm: structurally the optimizer's ArmPrior (node/optimizer/thompson.ts). */
export interface PriorCounts {
  n: number;
  sumQ: number;
  sumQ2?: number;
}

export interface RatingsInit {
  /** at most this many pseudo-observations one peer adds to one (context, arm) (default 20) */
  perPeerCap?: number;
  /** at most this many pseudo-observations the whole network adds to one arm's prior (default 100) */
  maxPriorN?: number;
  /** entries per digest (default 5000); more is rejected */
  maxEntries?: number;
  /** peers held (default 10000); past it the peer with the oldest epoch is dropped */
  maxPeers?: number;
}

export interface RatingsComponents {
  /** a peer's weight in [0, 1] (its reputation); default every peer 1 */
  weightOf?(peer: string): number;
}

export type AddStatus =
  /** first digest from this peer */
  | 'new'
  /** a newer epoch (or the same epoch's tie-break winner) replaced the held one */
  | 'replaced'
  /** the same digest again: nothing changes (idempotent) */
  | 'unchanged'
  /** older than the held one: ignored (last writer wins) */
  | 'stale';

export type AddResult = { ok: true; status: AddStatus; entries: number } | Rejected;

/** The network's view of one arm in one context, weighted by reputation and capped per peer. */
export interface ArmRating {
  context: string;
  arm: string;
  /** weighted, capped pseudo-observations */
  n: number;
  mean: number;
  /** peers that contributed (weight > 0) */
  peers: number;
}

/** A pack's rating: its best arm's, shrunk toward 0.5 by SHRINK pseudo-observations. */
export interface PackRating {
  packId: string;
  /** the shrunk mean used for ranking; 0.5 when nothing is known */
  score: number;
  /** the best arm's pooled mean and n */
  mean: number;
  n: number;
  bestArm: string;
  peers: number;
}

export interface PeerSummary {
  peer: string;
  epoch: number;
  entries: number;
  weight: number;
}

export interface Ratings {
  /** Adds a peer's digest. Last writer wins per peer (higher epoch; same epoch: higher content hash). */
  add(digest: PeerDigest): AddResult;
  /**
   * Pseudo-counts per arm key for the optimizer (ChooseOptions.priors): every peer's entry counted
   * for its effective n (noiseDiscount: a noised entry with a small n counts for less than its n),
   * capped at perPeerCap, weighted by its reputation, pooled, capped at maxPriorN, then multiplied by `trust`
   * (how much this node trusts the network as a whole, 0..1). Arms nobody reported are left out.
   */
  priorsFor(
    context: string,
    arms: Iterable<string | { key: string }>,
    trust?: number,
  ): Record<string, PriorCounts>;
  rating(context: string, arm: string): ArmRating | undefined;
  /** every rated (context, arm), optionally of one context, sorted by context then arm */
  ratings(context?: string): ArmRating[];
  /** a rating per pack content id (arm keys start with `<pack cid>:`), over all contexts or one */
  packRatings(context?: string): Map<string, PackRating>;
  /** the held (sanitized) digest of a peer, e.g. for the reputation comparison */
  reported(peer: string): PeerDigest | undefined;
  /** every held digest: adding them to a fresh Ratings rebuilds the same state (for persistence) */
  digests(): PeerDigest[];
  peers(): PeerSummary[];
  /** drops peers whose latest digest is older than `minEpoch` (silent peers); returns how many */
  expire(minEpoch: number): number;
  remove(peer: string): boolean;
}

/** Shrinkage of pack scores: two pseudo-observations at 0.5 (like the optimizer's base prior). */
export const SHRINK = { n: 2, mean: 0.5 } as const;

export function createRatings(components: RatingsComponents = {}, init: RatingsInit = {}): Ratings {
  const perPeerCap = positive('perPeerCap', init.perPeerCap ?? 20);
  const maxPriorN = positive('maxPriorN', init.maxPriorN ?? 100);
  const maxEntries = positive('maxEntries', init.maxEntries ?? 5000);
  const maxPeers = positive('maxPeers', init.maxPeers ?? 10_000);
  const weightOf = (peer: string) => clamp01(components.weightOf?.(peer) ?? 1);
  const held = new Map<string, HeldDigest>();
  // Pooling runs over peers in sorted order, so float sums (and thus priors) are bit-identical
  // whatever order the digests arrived in.
  let sorted: HeldDigest[] | undefined;
  const peersSorted = () => {
    sorted ??= [...held.values()].sort((a, b) => cmp(a.peer, b.peer));
    return sorted;
  };

  /**
   * A peer entry's multiplier: its noise discount (n_eff / n), the per-peer cap on n_eff, and the
   * peer's reputation weight. Mean and spread are kept; only how much the entry counts shrinks.
   */
  const factor = (h: HeldDigest, e: { n: number; sumQ: number; sumQ2?: number }, w: number) => {
    const g = noiseDiscount(e, h.epsilon);
    return w * g * Math.min(1, perPeerCap / (e.n * g));
  };

  /** One (context, arm) pooled over peers: discounted for noise, capped per peer, weighted by reputation. */
  function pool(context: string, arm: string) {
    let n = 0;
    let s = 0;
    let s2 = 0;
    let peers = 0;
    for (const h of peersSorted()) {
      const e = h.byContext.get(context)?.get(arm);
      if (!e) continue;
      const w = weightOf(h.peer);
      if (w <= 0) continue;
      const f = factor(h, e, w);
      n += e.n * f;
      s += e.sumQ * f;
      s2 += (e.sumQ2 ?? (e.sumQ * e.sumQ) / e.n) * f;
      peers++;
    }
    return { n, sumQ: s, sumQ2: s2, peers };
  }

  function keysOf(context?: string): [string, string][] {
    const keys = new Set<string>();
    for (const h of held.values())
      for (const [c, arms] of h.byContext)
        if (context === undefined || c === context) for (const a of arms.keys()) keys.add(`${c}\n${a}`);
    return [...keys].sort().map((k) => k.split('\n') as [string, string]);
  }

  const ratingOf = (context: string, arm: string): ArmRating | undefined => {
    const p = pool(context, arm);
    return p.n > 0 ? { context, arm, n: p.n, mean: p.sumQ / p.n, peers: p.peers } : undefined;
  };

  return {
    add(digest) {
      const clean = sanitizeDigest(digest, maxEntries);
      if (!clean.ok) return clean;
      const prev = held.get(clean.held.peer);
      const next = clean.held;
      if (prev) {
        if (prev.epoch === next.epoch && prev.hash === next.hash)
          return { ok: true, status: 'unchanged', entries: prev.entries };
        const newer = next.epoch > prev.epoch || (next.epoch === prev.epoch && next.hash > prev.hash);
        if (!newer) return { ok: true, status: 'stale', entries: prev.entries };
      }
      held.set(next.peer, next);
      sorted = undefined;
      if (held.size > maxPeers) {
        // the peer silent the longest goes (ties: the greatest peer id, so the choice is deterministic)
        const victim = [...held.values()].reduce((v, h) =>
          h.epoch < v.epoch || (h.epoch === v.epoch && h.peer > v.peer) ? h : v,
        );
        held.delete(victim.peer);
        if (victim.peer === next.peer) return { ok: true, status: 'stale', entries: next.entries };
      }
      return { ok: true, status: prev ? 'replaced' : 'new', entries: next.entries };
    },

    priorsFor(context, arms, trust = 1) {
      const out: Record<string, PriorCounts> = {};
      const t = clamp01(trust);
      if (t <= 0) return out;
      for (const a of arms) {
        const key = typeof a === 'string' ? a : a.key;
        if (Object.hasOwn(out, key)) continue;
        const p = pool(context, key);
        if (!(p.n > 0)) continue;
        const f = Math.min(1, maxPriorN / p.n) * t;
        out[key] = { n: p.n * f, sumQ: p.sumQ * f, sumQ2: p.sumQ2 * f };
      }
      return out;
    },

    rating: ratingOf,

    ratings(context) {
      return keysOf(context)
        .map(([c, a]) => ratingOf(c, a))
        .filter((r): r is ArmRating => !!r);
    },

    packRatings(context) {
      // pool each arm over the contexts asked for, then keep each pack's best arm
      const arms = new Map<string, { n: number; sumQ: number; peers: Set<string> }>();
      for (const h of peersSorted()) {
        const w = weightOf(h.peer);
        if (w <= 0) continue;
        for (const [c, entries] of h.byContext) {
          if (context !== undefined && c !== context) continue;
          for (const [arm, e] of entries) {
            const f = factor(h, e, w);
            const p = arms.get(arm) ?? { n: 0, sumQ: 0, peers: new Set<string>() };
            p.n += e.n * f;
            p.sumQ += e.sumQ * f;
            p.peers.add(h.peer);
            arms.set(arm, p);
          }
        }
      }
      const out = new Map<string, PackRating>();
      for (const arm of [...arms.keys()].sort()) {
        const p = arms.get(arm)!;
        const packId = arm.split(':')[0];
        if (!packId || !(p.n > 0)) continue;
        const score = (p.sumQ + SHRINK.n * SHRINK.mean) / (p.n + SHRINK.n);
        const best = out.get(packId);
        if (best && best.score >= score) continue;
        out.set(packId, { packId, score, mean: p.sumQ / p.n, n: p.n, bestArm: arm, peers: p.peers.size });
      }
      return out;
    },

    reported(peer) {
      const h = held.get(peer);
      return h && toDigest(h);
    },

    digests() {
      return peersSorted().map(toDigest);
    },

    peers() {
      return peersSorted().map((h) => ({
        peer: h.peer,
        epoch: h.epoch,
        entries: h.entries,
        weight: weightOf(h.peer),
      }));
    },

    expire(minEpoch) {
      let dropped = 0;
      for (const h of [...held.values()])
        if (h.epoch < minEpoch) {
          held.delete(h.peer);
          dropped++;
        }
      if (dropped) sorted = undefined;
      return dropped;
    },

    remove(peer) {
      const had = held.delete(peer);
      if (had) sorted = undefined;
      return had;
    },
  };
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v))
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: name },
      `${name} must be a positive number, got ${v}`,
    );
  return v;
}
