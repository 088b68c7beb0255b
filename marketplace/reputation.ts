import { MarketplaceError, MarketplaceErrorCode } from './errors.js';
import type { PeerDigest } from './ratings.js';

/**
 * Peer reputation, simple enough to explain in one sentence per peer:
 *
 *   score = (prior + good) / (2 prior + good + bad)
 *
 * `good` and `bad` are evidence about the peer. Each digest the node can check counts as one vote,
 * split by the share of comparable arms on which the peer's reported mean q agrees with this node's
 * own measurements; each rejected message adds `rejectionWeight` to `bad`. A new peer is neutral
 * (0.5). Evidence is kept under `maxEvidence` by scaling both sides down (old evidence fades), which
 * also bounds the score strictly inside (0, 1): nobody becomes fully trusted or fully silenced
 * forever, and a reformed peer can climb back.
 */
export interface ReputationInit {
  /** pseudo-evidence on each side (default 2): how many votes it takes to move a new peer */
  prior?: number;
  /** good + bad is kept at or under this (default 50) */
  maxEvidence?: number;
  /** what one rejected message costs (default 1, one full disagreeing digest) */
  rejectionWeight?: number;
  /** means within this much of each other agree, plus two standard errors (default 0.1) */
  tolerance?: number;
  /** an arm is comparable when both this node and the peer have at least this many observations (default 5) */
  minN?: number;
  /** below this score a peer's weight in the ratings is 0 (default 0.25) */
  minScore?: number;
  /** peers remembered (default 10000); past it the one with the least evidence is forgotten */
  maxPeers?: number;
}

/** This node's own statistics for an arm: the fields of node/learning's ArmStats that matter here. */
export interface LocalArmStats {
  contextKey: string;
  armKey: string;
  n: number;
  sumQ: number;
  sumQ2?: number;
}

export interface PeerReputation {
  peer: string;
  score: number;
  /** the weight the ratings give this peer: 0 below minScore, else the score */
  weight: number;
  good: number;
  bad: number;
  /** plain counts for explanations (not decayed) */
  digestsCompared: number;
  armsAgreed: number;
  armsDisagreed: number;
  rejections: Record<string, number>;
  /** the last digest epoch compared (a digest is compared once) */
  lastEpoch?: number;
}

export interface ArmComparison {
  context: string;
  arm: string;
  peerMean: number;
  localMean: number;
  /** the largest difference still counted as agreement */
  allowed: number;
  agree: boolean;
}

export interface Comparison {
  peer: string;
  epoch: number;
  /** false when the digest's epoch was already compared, or nothing was comparable */
  counted: boolean;
  agreed: number;
  disagreed: number;
  details: ArmComparison[];
  score: number;
}

export interface ReputationSnapshot {
  version: 1;
  peers: Omit<PeerReputation, 'score' | 'weight'>[];
}

export interface Reputation {
  score(peer: string): number;
  /** for RatingsComponents.weightOf */
  weight(peer: string): number;
  get(peer: string): PeerReputation;
  /** Compares a peer's digest with this node's own statistics and updates the peer's reputation. */
  compare(digest: PeerDigest, local: Iterable<LocalArmStats>): Comparison;
  /** A message from `peer` was rejected (bad signature, malformed, mismatching pack...); returns the new score. */
  rejected(peer: string, reason: string): number;
  all(): PeerReputation[];
  snapshot(): ReputationSnapshot;
}

interface PeerRecord {
  good: number;
  bad: number;
  digestsCompared: number;
  armsAgreed: number;
  armsDisagreed: number;
  rejections: Record<string, number>;
  lastEpoch?: number;
}

export function createReputation(init: ReputationInit = {}, snapshot?: ReputationSnapshot): Reputation {
  const prior = nonNegative('prior', init.prior ?? 2, true);
  const maxEvidence = nonNegative('maxEvidence', init.maxEvidence ?? 50, true);
  const rejectionWeight = nonNegative('rejectionWeight', init.rejectionWeight ?? 1);
  const tolerance = nonNegative('tolerance', init.tolerance ?? 0.1);
  const minN = nonNegative('minN', init.minN ?? 5);
  const minScore = nonNegative('minScore', init.minScore ?? 0.25);
  const maxPeers = nonNegative('maxPeers', init.maxPeers ?? 10_000, true);
  const peers = new Map<string, PeerRecord>();

  for (const p of snapshot?.version === 1 && Array.isArray(snapshot.peers) ? snapshot.peers : []) {
    if (typeof p?.peer !== 'string' || !(p.good >= 0) || !(p.bad >= 0)) continue;
    const r: PeerRecord = {
      good: p.good,
      bad: p.bad,
      digestsCompared: p.digestsCompared ?? 0,
      armsAgreed: p.armsAgreed ?? 0,
      armsDisagreed: p.armsDisagreed ?? 0,
      rejections: { ...p.rejections },
      ...(Number.isSafeInteger(p.lastEpoch) ? { lastEpoch: p.lastEpoch } : {}),
    };
    bound(r);
    peers.set(p.peer, r);
  }

  const scoreOf = (r: PeerRecord | undefined) =>
    (prior + (r?.good ?? 0)) / (2 * prior + (r?.good ?? 0) + (r?.bad ?? 0));
  const weightOfScore = (s: number) => (s < minScore ? 0 : s);

  function bound(r: PeerRecord) {
    const total = r.good + r.bad;
    if (total > maxEvidence) {
      r.good *= maxEvidence / total;
      r.bad *= maxEvidence / total;
    }
  }

  function record(peer: string): PeerRecord {
    let r = peers.get(peer);
    if (!r) {
      r = { good: 0, bad: 0, digestsCompared: 0, armsAgreed: 0, armsDisagreed: 0, rejections: {} };
      peers.set(peer, r);
      if (peers.size > maxPeers) {
        // forget the peer we know least about (never the one just added)
        let victim: string | undefined;
        let least = Number.POSITIVE_INFINITY;
        for (const [p, x] of peers)
          if (p !== peer && x.good + x.bad < least) {
            least = x.good + x.bad;
            victim = p;
          }
        if (victim !== undefined) peers.delete(victim);
      }
    }
    return r;
  }

  const view = (peer: string, r: PeerRecord | undefined): PeerReputation => {
    const score = scoreOf(r);
    return {
      peer,
      score,
      weight: weightOfScore(score),
      good: r?.good ?? 0,
      bad: r?.bad ?? 0,
      digestsCompared: r?.digestsCompared ?? 0,
      armsAgreed: r?.armsAgreed ?? 0,
      armsDisagreed: r?.armsDisagreed ?? 0,
      rejections: { ...r?.rejections },
      ...(r?.lastEpoch !== undefined ? { lastEpoch: r.lastEpoch } : {}),
    };
  };

  return {
    score: (peer) => scoreOf(peers.get(peer)),
    weight: (peer) => weightOfScore(scoreOf(peers.get(peer))),
    get: (peer) => view(peer, peers.get(peer)),

    compare(digest, local) {
      const { peer, epoch } = digest;
      const existing = peers.get(peer);
      const base = { peer, epoch, agreed: 0, disagreed: 0, details: [] as ArmComparison[] };
      if (existing?.lastEpoch !== undefined && epoch <= existing.lastEpoch)
        return { ...base, counted: false, score: scoreOf(existing) };
      const mine = new Map<string, LocalArmStats>();
      for (const s of local) if (s.n >= minN) mine.set(`${s.contextKey}\n${s.armKey}`, s);
      for (const e of digest.entries) {
        const l = mine.get(`${e.contextKey}\n${e.armKey}`);
        if (!l || !(e.n >= minN)) continue;
        const peerMean = e.sumQ / e.n;
        const localMean = l.sumQ / l.n;
        const allowed = tolerance + 2 * Math.sqrt(variance(l) / l.n + variance(e) / e.n);
        const agree = Math.abs(peerMean - localMean) <= allowed;
        base.details.push({ context: e.contextKey, arm: e.armKey, peerMean, localMean, allowed, agree });
        if (agree) base.agreed++;
        else base.disagreed++;
      }
      const compared = base.agreed + base.disagreed;
      // nothing comparable: not a vote, and the epoch stays open for when this node has evidence
      if (compared === 0) return { ...base, counted: false, score: scoreOf(existing) };
      const r = record(peer);
      r.good += base.agreed / compared;
      r.bad += base.disagreed / compared;
      r.digestsCompared++;
      r.armsAgreed += base.agreed;
      r.armsDisagreed += base.disagreed;
      r.lastEpoch = epoch;
      bound(r);
      return { ...base, counted: true, score: scoreOf(r) };
    },

    rejected(peer, reason) {
      const r = record(peer);
      r.bad += rejectionWeight;
      r.rejections[reason] = (r.rejections[reason] ?? 0) + 1;
      bound(r);
      return scoreOf(r);
    },

    all: () => [...peers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, r]) => view(p, r)),

    snapshot: () => ({
      version: 1,
      peers: [...peers].map(([peer, r]) => ({ peer, ...r, rejections: { ...r.rejections } })),
    }),
  };
}

/** Sample variance of q from n, sum q, sum q^2 (0 when the spread is unknown). */
function variance(s: { n: number; sumQ: number; sumQ2?: number }): number {
  if (s.sumQ2 === undefined || s.n < 2) return 0;
  return Math.max(0, (s.sumQ2 - (s.sumQ * s.sumQ) / s.n) / (s.n - 1));
}

function nonNegative(name: string, v: number, strictlyPositive = false): number {
  if (!Number.isFinite(v) || v < 0 || (strictlyPositive && v === 0))
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: name },
      `${name} must be a ${strictlyPositive ? 'positive' : 'non-negative'} number, got ${v}`,
    );
  return v;
}
