import { weightedMedian } from './aggregate.js';
import { type HeldDigest, MIN_Q_VARIANCE, noiseVariance } from './digest.js';
import { MarketplaceError, MarketplaceErrorCode } from './errors.js';

/**
 * Agreement with the network's consensus, in the spirit of Yuma consensus: a node with no
 * measurements of its own (a new node) cannot judge a peer against itself (reputation.ts), but it
 * can judge each peer against what the others say. For every (context, arm) that at least
 * `minReporters` peers report, the consensus is the weighted median of their means (weights: trust
 * x capped effective n); a peer holding at most a third of that weight (consensusFactors) disagrees on that arm when its mean is further than `tolerance`
 * plus two standard errors of its own report (sampling and Laplace noise) from the median, and
 * agrees when it is not and those two standard errors are within `maxBand` (a noisy small entry
 * agrees with anything, which proves nothing). A peer's factor is
 *
 *   (prior + agreed) / (prior + agreed + penalty x disagreed)
 *
 * so a peer that says the network's best arms are poor loses most of its weight, everywhere, and an
 * honest peer whose noisy small entries sometimes miss keeps most of its own. Known limit: a group
 * reporting contexts nobody else reports is the consensus there and earns agreement votes; the
 * support rule below is what keeps an arm only such a group reports from counting in contexts
 * others report.
 */
export interface ConsensusRule {
  /** reports an arm needs before it is a consensus check (default 3) */
  minReporters: number;
  /** means within this much of the median agree, plus two standard errors (default 0.1) */
  tolerance: number;
  /** agreement within two standard errors wider than this proves nothing: no vote (default 0.25) */
  maxBand: number;
  /** pseudo-votes of agreement every peer starts with (default 2) */
  prior: number;
  /** a disagreeing arm weighs this many agreeing ones (default 4) */
  penalty: number;
  /**
   * Support: an arm's network evidence counts in full only when the peers reporting it hold at
   * least this share of the weight of the peers reporting anything in its context (default 0.5),
   * and in proportion below it. Not reporting an arm is not evidence against it, but it is not
   * support either: an arm that only a light minority vouches for stays a challenger to try, with
   * a few pseudo-observations, and never replaces the one in force on their word.
   */
  quorum: number;
  /**
   * A reporter is a full voice toward support once its entry's effective n reaches this (default 5,
   * the local outcomes the optimizer wants before it trusts its own mean), and a share of one below
   * it: a peer that ran an arm twice is not a voice for it, but one that ran it five times is as much
   * of one as a peer that ran it fifty (how much the evidence weighs is the pool's business already;
   * counting it again here starved arms that honest peers had only started to run).
   */
  voiceN: number;
  /**
   * The standing (standingOf, times relative trust, averaged over an arm's reporters by voice) from
   * which an arm's reporters need no trust quorum (RatingsInit.trustQuorum; default 0.25): the
   * quorum keeps a lone fresh peer from counting in full, and peers that have earned agreement with
   * the others are not that, however few of them ran the arm. Their evidence on an arm counts by
   * their standing in the priors when that is more than its support share (Ratings.priorsFor); the
   * share is still reported, and moving the incumbent on it takes this node's own confirmation (the
   * optimizer).
   */
  vouch: number;
}

export const DEFAULT_CONSENSUS: ConsensusRule = {
  minReporters: 3,
  tolerance: 0.1,
  maxBand: 0.25,
  prior: 2,
  penalty: 4,
  quorum: 0.5,
  voiceN: 5,
  vouch: 0.25,
};

interface Said {
  peer: string;
  mean: number;
  /** the effective n the entry counts for in the pool (capped) */
  count: number;
  /** two standard errors of the report's own mean */
  band: number;
}

/** Every (context, arm)'s reports, built once per set of held digests (the weights change more often). */
export interface ConsensusIndex {
  peers: string[];
  arms: Said[][];
}

export function consensusIndex(
  peers: readonly HeldDigest[],
  countOf: (h: HeldDigest, e: { n: number; sumQ: number; sumQ2?: number }) => number,
): ConsensusIndex {
  const byArm = new Map<string, Said[]>();
  for (const h of peers)
    for (const [context, arms] of h.byContext)
      for (const [arm, e] of arms) {
        if (!(e.n > 0)) continue;
        const mean = e.sumQ / e.n;
        const spread = e.sumQ2 !== undefined ? e.sumQ2 / e.n - mean * mean : mean * (1 - mean);
        const variance = Math.min(0.25, Math.max(MIN_Q_VARIANCE, spread));
        const band = 2 * Math.sqrt(variance / e.n + noiseVariance(e, h.epsilon));
        const key = `${context}\n${arm}`;
        const said = byArm.get(key) ?? [];
        byArm.set(key, said);
        said.push({ peer: h.peer, mean, count: countOf(h, e), band });
      }
  return { peers: peers.map((h) => h.peer), arms: [...byArm.values()].filter((x) => x.length > 1) };
}

/**
 * Each held peer's consensus factor in (0, 1], from `weightOf` (its trust before consensus). Pure
 * and order-independent: peers and reports are taken in the index's order (sorted by the caller).
 * A report votes only where the others outweigh it: its own weight (trust x capped effective n) is
 * at most a third of the arm's, so no peer is judged by a median it makes itself, and reports with
 * next to no evidence (puppets) neither make the count nor let their author agree with itself.
 */
export function consensusFactors(
  index: ConsensusIndex,
  weightOf: (peer: string) => number,
  rule: ConsensusRule = DEFAULT_CONSENSUS,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [peer, v] of consensusVotes(index, weightOf, rule)) out.set(peer, factorOf(v, rule));
  return out;
}

export interface Votes {
  agreed: number;
  disagreed: number;
}

/** The consensus factor of a peer's votes: (prior + agreed) / (prior + agreed + penalty x disagreed). */
export const factorOf = (v: Votes, rule: ConsensusRule) =>
  (rule.prior + v.agreed) / (rule.prior + v.agreed + rule.penalty * v.disagreed);

/**
 * A peer's standing in [0, 1): the agreement it has earned, agreed / (prior + agreed + penalty x
 * disagreed). Unlike the factor it starts at 0: a peer is in good standing only once its reports
 * matched the others' where they overlap, so a fresh peer, or a puppet reporting only what nobody
 * else measured, has none.
 */
export const standingOf = (v: Votes, rule: ConsensusRule) =>
  v.agreed / (rule.prior + v.agreed + rule.penalty * v.disagreed);

/** Per held peer, the arms where its report agreed with the others' weighted median and where it missed. */
export function consensusVotes(
  index: ConsensusIndex,
  weightOf: (peer: string) => number,
  rule: ConsensusRule = DEFAULT_CONSENSUS,
): Map<string, Votes> {
  const votes = new Map<string, Votes>();
  for (const all of index.arms) {
    const said = all
      .map((s) => ({ ...s, weight: weightOf(s.peer) * s.count }))
      .filter((s) => s.weight > 0 && Number.isFinite(s.weight));
    let total = 0;
    for (const s of said) total += s.weight;
    // reporters that carry weight: a report under a hundredth of the arm's does not make the count
    if (said.filter((s) => s.weight >= total / 100).length < rule.minReporters) continue;
    const median = weightedMedian(said.map((s) => ({ value: s.mean, weight: s.weight })));
    if (median === undefined) continue;
    for (const s of said) {
      if (s.weight > total / 3) continue;
      const v = votes.get(s.peer) ?? { agreed: 0, disagreed: 0 };
      // a miss beyond the report's own noise always counts; agreement only when the band is narrow
      // enough to mean something (a noisy small entry agrees with anything)
      if (Math.abs(s.mean - median) > rule.tolerance + s.band) v.disagreed++;
      else if (s.band <= rule.maxBand) v.agreed++;
      votes.set(s.peer, v);
    }
  }
  const out = new Map<string, Votes>();
  for (const peer of index.peers) out.set(peer, votes.get(peer) ?? { agreed: 0, disagreed: 0 });
  return out;
}

/** The rule with every number checked (a config mistake must not turn every weight into NaN). */
export function validConsensusRule(rule: ConsensusRule): ConsensusRule {
  for (const [k, v] of Object.entries(rule))
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k !== 'tolerance' && v === 0))
      throw new MarketplaceError(
        { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument: `consensus.${k}` },
        `consensus.${k} must be a positive number, got ${String(v)}`,
      );
  return rule;
}

/** How much of an arm's evidence counts given its reporters' weight and its context's (the quorum). */
export function supportShare(armWeight: number, contextWeight: number, quorum: number): number {
  if (!(armWeight > 0) || !(contextWeight > 0)) return 0;
  return Math.min(1, armWeight / (quorum * contextWeight));
}
