import { type Pooled, pool as poolReports, type Report } from './aggregate.js';
import {
  type ConsensusIndex,
  type ConsensusRule,
  consensusIndex,
  consensusVotes,
  DEFAULT_CONSENSUS,
  factorOf,
  standingOf,
  supportShare,
  type Votes,
  validConsensusRule,
} from './consensus.js';
import {
  type CleanEntry,
  clamp01,
  cmp,
  type HeldDigest,
  noiseDiscount,
  type PeerDigest,
  sanitizeDigest,
  toDigest,
} from './digest.js';
import { MarketplaceError, MarketplaceErrorCode, type Rejected } from './errors.js';
import { type BackoffRule, contextDistance, DEFAULT_BACKOFF, validBackoffRule } from './neighbours.js';

export type { DigestEntry, PeerDigest } from './digest.js';

/** Pseudo-counts for one arm: structurally the optimizer's ArmPrior (node/optimizer/thompson.ts). */
export interface PriorCounts {
  n: number;
  sumQ: number;
  sumQ2?: number;
  /** the share of the arm's evidence its support let count (1: full; see RatingsInit.consensus) */
  support?: number;
  /**
   * its reporters' standing, evidence-weighted (each reporter's trust relative to the most trusted
   * peer times the agreement it has earned, consensus.ts standingOf); absent without the consensus rule
   */
  standing?: number;
  /** of `n`, the pseudo-observations borrowed from neighbouring contexts (neighbours.ts) */
  neighbourN?: number;
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
  /**
   * The robust aggregate (default true): each peer's mean for a (context, arm) is clipped into
   * [median - clip, median + clip] around the weighted median of all peers' means before pooling
   * (aggregate.ts). false: the plain weighted mean (the baseline; `rating()` shows both either way).
   */
  robust?: boolean;
  /** half-width of the band around the median a report is clipped into (default 0.05) */
  clip?: number;
  /**
   * Weights are relative: each peer's weight is divided by the largest weight among the held peers,
   * or by `weightFloor` when that is larger (default 1: weights as given). The marketplace sets it to
   * a new peer's trust, so the most trusted peer counts at its face value and a newcomer beside it
   * for little, while a network of newcomers alone still counts.
   */
  weightFloor?: number;
  /**
   * Agreement with the consensus and support (consensus.ts, default on): each peer's weight is
   * multiplied by how often its reports agree with the other peers' weighted median, and an arm's
   * evidence counts in proportion to the weight of the peers reporting it, in full from `quorum`
   * (0.5) of its context's. false: neither (the aggregate before them, for comparison).
   */
  consensus?: false | Partial<ConsensusRule>;
  /**
   * Trust in absolute terms (default: none): an arm's evidence counts in full only when its
   * reporters' weights as `weightOf` gives them (times their consensus factors and voices, as for
   * support) sum to at least this, and in proportion below it (its support is multiplied by
   * min(1, sum / trustQuorum)). Relative weights alone let one brand-new peer count in full while
   * it is the only one held; the marketplace sets three new peers' trust, so a lone newcomer counts
   * a third and cannot move an incumbent, while three agreeing newcomers or one peer this node has
   * confirmed count in full. Waived for an arm whose reporters have earned standing with the other
   * peers (ConsensusRule.vouch): the quorum is for peers nobody has checked yet.
   */
  trustQuorum?: number;
  /**
   * Back-off to neighbouring contexts (neighbours.ts, default on): an arm with fewer than `maxN`
   * pseudo-observations in the context asked about is topped up from the same arm in contexts one
   * or two steps away (size bucket, feature flags), each pooled as the context itself and counted
   * decay^distance. false: the context alone.
   */
  backoff?: false | Partial<BackoffRule>;
}

export interface PriorsOptions {
  /** override the robust setting for this call (false: the plain weighted mean) */
  robust?: boolean;
  /** false: leave the consensus factor and the support rule out of this call (the ablation) */
  consensus?: boolean;
  /** false: no back-off to neighbouring contexts in this call */
  backoff?: boolean;
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

/** The network's view of one arm in one context, weighted by trust and capped per peer. */
export interface ArmRating {
  context: string;
  arm: string;
  /** weighted, capped pseudo-observations */
  n: number;
  /** the mean the priors use: robust (clipped at the weighted median) unless the ratings are plain */
  mean: number;
  /** the clipped mean and the plain weighted mean, side by side */
  robustMean: number;
  plainMean: number;
  /** the trust-weighted median of the peers' means */
  median: number;
  /** peers whose mean was clipped */
  clipped: number;
  /** peers that contributed (weight > 0) */
  peers: number;
  /**
   * the share of its evidence that counts: its reporters' weight against the quorum of its
   * context's, times their absolute trust against the trust quorum (1: full)
   */
  support: number;
}

/** A pack's rating: its best arm's, shrunk toward 0.5 by SHRINK pseudo-observations. */
export interface PackRating {
  packId: string;
  /** the shrunk mean used for ranking; 0.5 when nothing is known */
  score: number;
  /** the best arm's pooled mean (robust unless the ratings are plain) and n */
  mean: number;
  /** the best arm's plain weighted mean, for comparison */
  plainMean: number;
  n: number;
  bestArm: string;
  peers: number;
}

export interface PeerSummary {
  peer: string;
  epoch: number;
  entries: number;
  /** the weight its reports count with: its trust relative to the most trusted held peer (RatingsInit.weightFloor), times its consensus factor */
  weight: number;
}

export interface Ratings {
  /** Adds a peer's digest. Last writer wins per peer (higher epoch; same epoch: higher content hash). */
  add(digest: PeerDigest): AddResult;
  /**
   * Pseudo-counts per arm key for the optimizer (ChooseOptions.priors): every peer's entry counted
   * for its effective n (noiseDiscount: a noised entry with a small n counts for less than its n),
   * capped at perPeerCap, weighted by its trust, clipped at the weighted median (robust, the
   * default) and pooled, capped at maxPriorN, multiplied by its support (the consensus rule), then
   * by `trust` (how much this node trusts the network as a whole, 0..1). An arm whose reporters are
   * in good standing (ConsensusRule.vouch) is multiplied by their standing instead when that is
   * larger: what a few agreeing peers ran counts, however few of them ran it, and its `support`
   * still says how few that was. Arms nobody reported are left out.
   */
  priorsFor(
    context: string,
    arms: Iterable<string | { key: string }>,
    trust?: number,
    options?: PriorsOptions,
  ): Record<string, PriorCounts>;
  rating(context: string, arm: string): ArmRating | undefined;
  /** every rated (context, arm), optionally of one context, sorted by context then arm */
  ratings(context?: string): ArmRating[];
  /**
   * A rating per pack content id (arm keys start with `<pack cid>:`), over all contexts or one: each
   * (context, arm) pooled as the priors are (robust unless plain), then summed over the contexts.
   */
  packRatings(context?: string, options?: PriorsOptions): Map<string, PackRating>;
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
  const weightFloor = positive('weightFloor', init.weightFloor ?? 1);
  const trustQuorum = init.trustQuorum === undefined ? undefined : positive('trustQuorum', init.trustQuorum);
  const clip = init.clip === 0 ? 0 : positive('clip', init.clip ?? 0.05);
  const robustByDefault = init.robust ?? true;
  const consensus =
    init.consensus === false ? undefined : validConsensusRule({ ...DEFAULT_CONSENSUS, ...init.consensus });
  const backoff =
    init.backoff === false ? undefined : validBackoffRule({ ...DEFAULT_BACKOFF, ...init.backoff });
  const rawWeight = (peer: string) => clamp01(components.weightOf?.(peer) ?? 1);
  const held = new Map<string, HeldDigest>();
  // Pooling runs over peers in sorted order, so float sums (and thus priors) are bit-identical
  // whatever order the digests arrived in.
  let sorted: HeldDigest[] | undefined;
  const peersSorted = () => {
    sorted ??= [...held.values()].sort((a, b) => cmp(a.peer, b.peer));
    return sorted;
  };
  // every context some held peer reports, with its neighbours by distance: rebuilt with the digests
  let near: { digests: HeldDigest[]; byContext: Map<string, [string, number][]> } | undefined;
  function neighboursOf(context: string, rule: BackoffRule): [string, number][] {
    const digests = peersSorted();
    if (near?.digests !== digests) near = { digests, byContext: new Map() };
    let out = near.byContext.get(context);
    if (!out) {
      const reported = new Set<string>();
      for (const h of digests) for (const c of h.byContext.keys()) reported.add(c);
      out = [...reported]
        .sort()
        .map((c): [string, number] => [c, contextDistance(context, c) ?? 0])
        .filter(([, d]) => d >= 1 && d <= rule.maxDistance);
      near.byContext.set(context, out);
    }
    return out;
  }

  /**
   * Every held peer's weight, relative to the most trusted one (or weightFloor): read once per query,
   * since trust changes between queries. `scale` turns a relative weight back into an absolute one.
   */
  function weights(withConsensus = true): Weights {
    const raw = new Map(peersSorted().map((h) => [h.peer, rawWeight(h.peer)]));
    let top = weightFloor;
    for (const w of raw.values()) if (w > top) top = w;
    const relative = new Map([...raw].map(([p, w]) => [p, w / top]));
    if (!consensus || !withConsensus) return Object.assign(relative, { scale: top });
    const votes = consensusOf(relative);
    const rule = consensus;
    const weighted = (of: (v: Votes, r: typeof rule) => number, none: number) =>
      new Map(
        [...relative].map(([p, w]) => [p, w * (votes.has(p) ? of(votes.get(p) as Votes, rule) : none)]),
      );
    return Object.assign(weighted(factorOf, 1), { scale: top, standing: weighted(standingOf, 0) });
  }

  // the consensus factors only change with the digests held or the trust behind them: cached on both
  // (the per-arm index of the reports is rebuilt only when the digests change; a trust change
  // reruns the medians over it)
  let agreed:
    | { digests: HeldDigest[]; index: ConsensusIndex; key: string; votes: Map<string, Votes> }
    | undefined;
  function consensusOf(relative: Map<string, number>): Map<string, Votes> {
    const digests = peersSorted();
    const key = [...relative.values()].join(',');
    if (agreed && agreed.digests === digests && agreed.key === key) return agreed.votes;
    const index =
      agreed?.digests === digests
        ? agreed.index
        : consensusIndex(digests, (h, e) => Math.min(perPeerCap, e.n * noiseDiscount(e, h.epsilon)));
    const votes = consensusVotes(index, (p) => relative.get(p) ?? 0, consensus);
    agreed = { digests, index, key, votes };
    return votes;
  }

  /** how much of a voice an entry is, for support: its effective n against the rule's voiceN */
  const evidenceOf = (h: HeldDigest, e: CleanEntry) =>
    Math.min(1, (e.n * noiseDiscount(e, h.epsilon)) / (consensus ? consensus.voiceN : perPeerCap));

  // per weights map: each context's weight of the peers reporting in it (each peer by its largest
  // entry there), computed once for all the arms asked about
  const contextWeights = new WeakMap<Map<string, number>, Map<string, number>>();
  function contextWeight(context: string, w: Map<string, number>): number {
    let byContext = contextWeights.get(w);
    if (!byContext) {
      byContext = new Map();
      for (const h of peersSorted()) {
        const weight = w.get(h.peer) ?? 0;
        if (!(weight > 0)) continue;
        for (const [c, arms] of h.byContext) {
          let most = 0;
          for (const e of arms.values()) if (e.n > 0) most = Math.max(most, evidenceOf(h, e));
          byContext.set(c, (byContext.get(c) ?? 0) + weight * most);
        }
      }
      contextWeights.set(w, byContext);
    }
    return byContext.get(context) ?? 0;
  }

  /**
   * the share of a pooled arm's evidence that counts: the support rule (1 without the consensus
   * rule) times the trust quorum's absolute factor (1 without one, or when the arm's reporters are
   * in good standing: consensus.vouch)
   */
  const supportOf = (
    p: Pooled & { weight: number; standing: number | undefined },
    context: string,
    w: Weights,
    withConsensus = true,
  ) =>
    (consensus && withConsensus ? supportShare(p.weight, contextWeight(context, w), consensus.quorum) : 1) *
    (trustQuorum && !(consensus && (p.standing ?? 0) >= consensus.vouch)
      ? Math.min(1, (p.weight * w.scale) / trustQuorum)
      : 1);

  /**
   * A peer entry's report: its counts times its noise discount (n_eff / n), the per-peer cap on
   * n_eff, and the peer's weight. Mean and spread are kept; only how much the entry counts shrinks.
   */
  const reportOf = (h: HeldDigest, e: CleanEntry, w: number): Report => {
    const g = noiseDiscount(e, h.epsilon);
    const f = w * g * Math.min(1, perPeerCap / (e.n * g));
    return { n: e.n * f, sumQ: e.sumQ * f, sumQ2: (e.sumQ2 ?? (e.sumQ * e.sumQ) / e.n) * f };
  };

  /** One (context, arm) over the held peers in peer order, robust or plain. */
  function poolArm(
    context: string,
    arm: string,
    w: Weights,
    robust: boolean,
  ): Pooled & { weight: number; standing: number | undefined } {
    const reports: Report[] = [];
    let total = 0;
    let voices = 0;
    let standing = 0;
    for (const h of peersSorted()) {
      const e = h.byContext.get(context)?.get(arm);
      const weight = w.get(h.peer) ?? 0;
      if (!e || !(weight > 0) || !(e.n > 0)) continue;
      reports.push(reportOf(h, e, weight));
      const voice = evidenceOf(h, e);
      total += weight * voice;
      voices += voice;
      standing += (w.standing?.get(h.peer) ?? 0) * voice;
    }
    return {
      ...poolReports(reports, robust ? clip : undefined),
      weight: total,
      standing: w.standing && voices > 0 ? standing / voices : undefined,
    };
  }

  function keysOf(context?: string): [string, string][] {
    const keys = new Set<string>();
    for (const h of held.values())
      for (const [c, arms] of h.byContext)
        if (context === undefined || c === context) for (const a of arms.keys()) keys.add(`${c}\n${a}`);
    return [...keys].sort().map((k) => k.split('\n') as [string, string]);
  }

  const ratingOf = (context: string, arm: string, w: Weights = weights()): ArmRating | undefined => {
    const p = poolArm(context, arm, w, true);
    if (!(p.n > 0) || p.median === undefined) return undefined;
    const robustMean = p.sumQ / p.n;
    return {
      context,
      arm,
      n: p.n,
      mean: robustByDefault ? robustMean : p.plainMean,
      robustMean,
      plainMean: p.plainMean,
      median: p.median,
      clipped: p.clipped,
      peers: p.reports,
      support: supportOf(p, context, w),
    };
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

    priorsFor(context, arms, trust = 1, options = {}) {
      const out: Record<string, PriorCounts> = {};
      const t = clamp01(trust);
      if (t <= 0 || held.size === 0) return out;
      const robust = options.robust ?? robustByDefault;
      const agree = options.consensus ?? true;
      const w = weights(agree);
      const rule = options.backoff === false ? undefined : backoff;
      for (const a of arms) {
        const key = typeof a === 'string' ? a : a.key;
        if (Object.hasOwn(out, key)) continue;
        const own = { n: 0, sumQ: 0, sumQ2: 0, support: 0, standing: 0 };
        const p = poolArm(context, key, w, robust);
        if (p.n > 0) {
          const support = supportOf(p, context, w, agree);
          // support shrinks a light minority's word; peers in good standing are heard by their
          // standing (a few honest peers starting on a better arm is the news a new node most needs,
          // and standing, unlike trust, can be had by copying the others: so not in full)
          const vouched = !!consensus && agree && (p.standing ?? 0) >= consensus.vouch;
          const f =
            Math.min(1, maxPriorN / p.n) * t * (vouched ? Math.max(support, p.standing ?? 0) : support);
          if (f > 0)
            Object.assign(own, {
              n: p.n * f,
              sumQ: p.sumQ * f,
              sumQ2: p.sumQ2 * f,
              support,
              standing: p.standing ?? 0,
            });
        }
        // top up thin evidence from neighbouring contexts, each pooled as this one, nearer ones first
        const room = rule ? rule.maxN - own.n : 0;
        const borrowed = { n: 0, sumQ: 0, sumQ2: 0, support: 0, standing: 0 };
        if (rule && room > 0)
          for (const [c, d] of neighboursOf(context, rule)) {
            const q = poolArm(c, key, w, robust);
            if (!(q.n > 0)) continue;
            const support = supportOf(q, c, w, agree);
            const f = Math.min(1, maxPriorN / q.n) * t * support * rule.decay ** d;
            if (!(f > 0)) continue;
            borrowed.n += q.n * f;
            borrowed.sumQ += q.sumQ * f;
            borrowed.sumQ2 += q.sumQ2 * f;
            // support weighted by evidence, so one well-supported neighbour is not diluted by thin ones
            borrowed.support += support * q.n * f;
            borrowed.standing += (q.standing ?? 0) * q.n * f;
          }
        const g = borrowed.n > room && borrowed.n > 0 ? Math.max(0, room) / borrowed.n : 1;
        const n = own.n + borrowed.n * g;
        if (!(n > 0)) continue;
        out[key] = {
          n,
          sumQ: own.sumQ + borrowed.sumQ * g,
          sumQ2: own.sumQ2 + borrowed.sumQ2 * g,
          support: (own.support * own.n + borrowed.support * g) / n,
          ...(w.standing ? { standing: (own.standing * own.n + borrowed.standing * g) / n } : {}),
          ...(borrowed.n > 0 ? { neighbourN: borrowed.n * g } : {}),
        };
      }
      return out;
    },

    rating: (context, arm) => ratingOf(context, arm),

    ratings(context) {
      const w = weights();
      return keysOf(context)
        .map(([c, a]) => ratingOf(c, a, w))
        .filter((r): r is ArmRating => !!r);
    },

    packRatings(context, options = {}) {
      // each (context, arm) pooled as the priors are, then each arm summed over the contexts asked
      // for, then each pack's best arm
      const robust = options.robust ?? robustByDefault;
      const agree = options.consensus ?? true;
      const w = weights(agree);
      const arms = new Map<string, { n: number; sumQ: number; plain: number; peers: Set<string> }>();
      for (const [c, arm] of keysOf(context)) {
        const p = poolArm(c, arm, w, robust);
        if (!(p.n > 0)) continue;
        const share = supportOf(p, c, w, agree);
        if (!(share > 0)) continue;
        const a = arms.get(arm) ?? { n: 0, sumQ: 0, plain: 0, peers: new Set<string>() };
        a.n += p.n * share;
        a.sumQ += p.sumQ * share;
        a.plain += p.plainMean * p.n * share;
        for (const h of peersSorted())
          if ((w.get(h.peer) ?? 0) > 0 && h.byContext.get(c)?.has(arm)) a.peers.add(h.peer);
        arms.set(arm, a);
      }
      return bestArmPerPack(arms);
    },

    reported(peer) {
      const h = held.get(peer);
      return h && toDigest(h);
    },

    digests() {
      return peersSorted().map(toDigest);
    },

    peers() {
      const w = weights();
      return peersSorted().map((h) => ({
        peer: h.peer,
        epoch: h.epoch,
        entries: h.entries,
        weight: w.get(h.peer) ?? 0,
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

/** peers' relative weights, and the factor that makes them absolute again (the largest raw weight or the floor) */
type Weights = Map<string, number> & {
  scale: number;
  /** with the consensus rule: each peer's relative trust times its earned agreement (standingOf) */
  standing?: Map<string, number>;
};

/** Each pack's best arm (arm keys start with `<pack cid>:`) by its mean shrunk toward 0.5. */
function bestArmPerPack(
  arms: Map<string, { n: number; sumQ: number; plain: number; peers: Set<string> }>,
): Map<string, PackRating> {
  const out = new Map<string, PackRating>();
  for (const arm of [...arms.keys()].sort()) {
    const p = arms.get(arm)!;
    const packId = arm.split(':')[0];
    if (!packId || !(p.n > 0)) continue;
    const score = (p.sumQ + SHRINK.n * SHRINK.mean) / (p.n + SHRINK.n);
    const best = out.get(packId);
    if (best && best.score >= score) continue;
    const mean = p.sumQ / p.n;
    out.set(packId, {
      packId,
      score,
      mean,
      plainMean: p.plain / p.n,
      n: p.n,
      bestArm: arm,
      peers: p.peers.size,
    });
  }
  return out;
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v))
    throw new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: name },
      `${name} must be a positive number, got ${v}`,
    );
  return v;
}
