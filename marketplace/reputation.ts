import { noiseVariance } from './digest.js';
import { MarketplaceError, MarketplaceErrorCode } from './errors.js';
import type { PeerDigest } from './ratings.js';

/**
 * A peer's trust, simple enough to explain in one sentence per peer:
 *
 *   score = (prior * initial + good) / (prior + good + bad)
 *
 * A new peer scores `initial` (0.1): a fresh identity has little say, so sybils start small. Each
 * digest epoch this node can check is one vote, split by the share of comparable arms on which the
 * peer's reported mean q agrees with this node's own measurement: an arm is comparable when both
 * sides have at least `minN` observations in the same context. The means disagree when they are
 * further apart than `tolerance` plus two standard errors (sampling on both sides plus the peer's
 * Laplace noise); they agree when they are not and those two standard errors are within
 * `maxBand` (a band wider than that cannot tell: no vote either way). The agreeing share adds to `good`, the
 * disagreeing share `penalty` times to `bad` (trust is lost faster than it is earned); the votes
 * of the latest `maxVotes` epochs count (older ones fade out), and each rejected message adds
 * `rejectionWeight` to `bad` (at most `maxRejections` of them count). So the score stays inside
 * (0, 1): nobody becomes fully trusted or fully silenced forever, and a reformed peer can climb back.
 *
 * Votes are kept per epoch: judging the same digest again replaces that epoch's vote (with this
 * node's newer measurements) instead of adding one, and an older epoch that arrives late votes
 * too, so the state depends on which digests arrived and what this node measured, never on the
 * order or the number of deliveries.
 */
export interface ReputationInit {
  /** the score of a peer nothing is known about (default 0.1) */
  initial?: number;
  /** pseudo-votes behind `initial` (default 2): how many votes it takes to move a new peer */
  prior?: number;
  /** votes kept per peer, of the latest epochs judged (default 50) */
  maxVotes?: number;
  /** what one rejected message costs, in votes (default 1) */
  rejectionWeight?: number;
  /** rejected messages counted at most (default 20) */
  maxRejections?: number;
  /** means within this much of each other agree, plus two standard errors (default 0.1) */
  tolerance?: number;
  /** agreement within two standard errors wider than this proves nothing: no vote (default 0.25) */
  maxBand?: number;
  /** a disagreeing arm share weighs this many agreeing ones (default 2) */
  penalty?: number;
  /** an arm is comparable when both this node and the peer have at least this many observations (default 5) */
  minN?: number;
  /** below this score a peer's weight in the ratings is 0 (default 0.05) */
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

/** One epoch's vote: how many comparable arms agreed and disagreed. */
export type Vote = [epoch: number, agreed: number, disagreed: number];

export interface PeerReputation {
  peer: string;
  score: number;
  /** the weight the ratings give this peer: 0 below minScore, else the score */
  weight: number;
  good: number;
  bad: number;
  /** epochs judged (votes kept) and the arms behind them */
  digestsCompared: number;
  armsAgreed: number;
  armsDisagreed: number;
  rejections: Record<string, number>;
  /** the latest digest epoch judged */
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
  /** false when nothing was comparable (no vote), or the epoch is older than every vote kept */
  counted: boolean;
  agreed: number;
  disagreed: number;
  details: ArmComparison[];
  score: number;
}

/** What is persisted of one peer (node/trust-store.ts keeps one record per peer). */
export interface PeerRecordSnapshot {
  peer: string;
  votes: Vote[];
  rejections: Record<string, number>;
}

export interface ReputationSnapshot {
  version: 2;
  peers: PeerRecordSnapshot[];
}

export interface Reputation {
  /** the score of a peer nothing is known about */
  readonly initial: number;
  score(peer: string): number;
  /** for RatingsComponents.weightOf */
  weight(peer: string): number;
  get(peer: string): PeerReputation;
  /** Judges a peer's digest against this node's own statistics: that epoch's vote. */
  compare(digest: PeerDigest, local: Iterable<LocalArmStats>): Comparison;
  /** A message from `peer` was rejected (bad signature, malformed, mismatching pack...); returns the new score. */
  rejected(peer: string, reason: string): number;
  all(): PeerReputation[];
  snapshot(): ReputationSnapshot;
  /** the peers changed since the last call, as records to save, and the peers forgotten (for persistence) */
  takeChanges(): { put: PeerRecordSnapshot[]; del: string[] };
}

interface PeerRecord {
  /** sorted by epoch, at most maxVotes */
  votes: Vote[];
  rejections: Record<string, number>;
}

const MAX_REASONS = 32;

export function createReputation(init: ReputationInit = {}, snapshot?: ReputationSnapshot): Reputation {
  const initial = nonNegative('initial', init.initial ?? 0.1, true);
  if (initial >= 1)
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: 'initial' },
      `initial must be below 1, got ${initial}`,
    );
  const prior = nonNegative('prior', init.prior ?? 2, true);
  const maxVotes = nonNegative('maxVotes', init.maxVotes ?? 50, true);
  const rejectionWeight = nonNegative('rejectionWeight', init.rejectionWeight ?? 1);
  const maxRejections = nonNegative('maxRejections', init.maxRejections ?? 20);
  const tolerance = nonNegative('tolerance', init.tolerance ?? 0.1);
  const maxBand = nonNegative('maxBand', init.maxBand ?? 0.25);
  const penalty = nonNegative('penalty', init.penalty ?? 2);
  const minN = nonNegative('minN', init.minN ?? 5);
  const minScore = nonNegative('minScore', init.minScore ?? 0.05);
  const maxPeers = nonNegative('maxPeers', init.maxPeers ?? 10_000, true);
  const peers = new Map<string, PeerRecord>();
  const changed = new Set<string>();
  const forgotten = new Set<string>();

  for (const p of snapshot?.version === 2 && Array.isArray(snapshot.peers) ? snapshot.peers : []) {
    const r = recordFrom(p);
    if (r && typeof p.peer === 'string' && p.peer) peers.set(p.peer, r);
  }

  function recordFrom(p: PeerRecordSnapshot | null | undefined): PeerRecord | undefined {
    if (!p || !Array.isArray(p.votes) || typeof p.rejections !== 'object' || p.rejections === null) return;
    const votes = p.votes.filter(
      (v) =>
        Array.isArray(v) &&
        Number.isSafeInteger(v[0]) &&
        Number.isSafeInteger(v[1]) &&
        Number.isSafeInteger(v[2]) &&
        v[1] >= 0 &&
        v[2] >= 0 &&
        v[1] + v[2] > 0,
    );
    const rejections: Record<string, number> = {};
    for (const [k, n] of Object.entries(p.rejections).slice(0, MAX_REASONS))
      if (Number.isSafeInteger(n) && n > 0) rejections[k] = n;
    const r: PeerRecord = { votes: [], rejections };
    for (const v of votes) setVote(r, [v[0], v[1], v[2]]);
    return r;
  }

  /** sets an epoch's vote, keeping the latest maxVotes epochs; false when the epoch is too old to keep */
  function setVote(r: PeerRecord, v: Vote): boolean {
    const i = r.votes.findIndex((x) => x[0] >= v[0]);
    if (i >= 0 && r.votes[i][0] === v[0]) r.votes[i] = v;
    else r.votes.splice(i < 0 ? r.votes.length : i, 0, v);
    if (r.votes.length > maxVotes) return r.votes.shift()?.[0] !== v[0];
    return true;
  }

  /** good and bad, summed in epoch order (so the floats are the same whatever the history) */
  function evidence(r: PeerRecord | undefined) {
    let good = 0;
    let bad = 0;
    let agreed = 0;
    let disagreed = 0;
    for (const [, a, d] of r?.votes ?? []) {
      good += a / (a + d);
      bad += (penalty * d) / (a + d);
      agreed += a;
      disagreed += d;
    }
    let rejected = 0;
    for (const n of Object.values(r?.rejections ?? {})) rejected += n;
    bad += rejectionWeight * Math.min(rejected, maxRejections);
    return { good, bad, agreed, disagreed };
  }

  const scoreOf = (r: PeerRecord | undefined) => {
    const { good, bad } = evidence(r);
    return (prior * initial + good) / (prior + good + bad);
  };
  const weightOfScore = (s: number) => (s < minScore ? 0 : s);

  function record(peer: string): PeerRecord {
    let r = peers.get(peer);
    if (!r) {
      r = { votes: [], rejections: {} };
      peers.set(peer, r);
      forgotten.delete(peer);
      if (peers.size > maxPeers) {
        // forget the peer we know least about (never the one just added; ties: the greatest id)
        let victim: string | undefined;
        let least = Number.POSITIVE_INFINITY;
        for (const [p, x] of peers) {
          if (p === peer) continue;
          const known = x.votes.length + Object.values(x.rejections).reduce((a, b) => a + b, 0);
          if (known < least || (known === least && victim !== undefined && p > victim)) {
            least = known;
            victim = p;
          }
        }
        if (victim !== undefined) {
          peers.delete(victim);
          changed.delete(victim);
          forgotten.add(victim);
        }
      }
    }
    changed.add(peer);
    return r;
  }

  const view = (peer: string, r: PeerRecord | undefined): PeerReputation => {
    const score = scoreOf(r);
    const e = evidence(r);
    const last = r?.votes.at(-1)?.[0];
    return {
      peer,
      score,
      weight: weightOfScore(score),
      good: e.good,
      bad: e.bad,
      digestsCompared: r?.votes.length ?? 0,
      armsAgreed: e.agreed,
      armsDisagreed: e.disagreed,
      rejections: { ...r?.rejections },
      ...(last !== undefined ? { lastEpoch: last } : {}),
    };
  };

  const snap = (peer: string, r: PeerRecord): PeerRecordSnapshot => ({
    peer,
    votes: r.votes.map((v) => [...v] as Vote),
    rejections: { ...r.rejections },
  });

  return {
    initial,
    score: (peer) => scoreOf(peers.get(peer)),
    weight: (peer) => weightOfScore(scoreOf(peers.get(peer))),
    get: (peer) => view(peer, peers.get(peer)),

    compare(digest, local) {
      const { peer, epoch } = digest;
      const base = { peer, epoch, agreed: 0, disagreed: 0, details: [] as ArmComparison[] };
      const mine = new Map<string, LocalArmStats>();
      for (const s of local) if (s.n >= minN) mine.set(`${s.contextKey}\n${s.armKey}`, s);
      if (mine.size > 0)
        for (const e of digest.entries) {
          const l = mine.get(`${e.contextKey}\n${e.armKey}`);
          if (!l || !(e.n >= minN)) continue;
          const peerMean = e.sumQ / e.n;
          const localMean = l.sumQ / l.n;
          const band =
            2 * Math.sqrt(variance(l) / l.n + variance(e) / e.n + noiseVariance(e, digest.epsilon));
          const allowed = tolerance + band;
          const agree = Math.abs(peerMean - localMean) <= allowed;
          // a gap beyond the band is a disagreement however wide the band; agreement within a band
          // too wide to tell proves nothing
          if (agree && band > maxBand) continue;
          base.details.push({ context: e.contextKey, arm: e.armKey, peerMean, localMean, allowed, agree });
          if (agree) base.agreed++;
          else base.disagreed++;
        }
      // nothing comparable: not a vote (a vote kept for this epoch stays as it was)
      if (base.agreed + base.disagreed === 0 || !Number.isSafeInteger(epoch))
        return { ...base, counted: false, score: scoreOf(peers.get(peer)) };
      const r = record(peer);
      const counted = setVote(r, [epoch, base.agreed, base.disagreed]);
      return { ...base, counted, score: scoreOf(r) };
    },

    rejected(peer, reason) {
      const r = record(peer);
      const key =
        Object.hasOwn(r.rejections, reason) || Object.keys(r.rejections).length < MAX_REASONS
          ? reason
          : 'other';
      r.rejections[key] = (r.rejections[key] ?? 0) + 1;
      return scoreOf(r);
    },

    all: () => [...peers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, r]) => view(p, r)),

    snapshot: () => ({
      version: 2,
      peers: [...peers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([peer, r]) => snap(peer, r)),
    }),

    takeChanges() {
      const put = [...changed].flatMap((p) => {
        const r = peers.get(p);
        return r ? [snap(p, r)] : [];
      });
      const del = [...forgotten];
      changed.clear();
      forgotten.clear();
      return { put, del };
    },
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
