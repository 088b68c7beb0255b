import { type ArmPrior, BASE_PRIOR } from './thompson.js';

/**
 * How peers' evidence (the marketplace's priors, already weighted by each peer's trust and robust
 * to a minority of liars) counts beside this node's own outcomes for an arm in a context:
 *
 *   counted = min(prior n, maxN) x takeover / (takeover + local n)
 *
 * A new context starts from up to `maxN` pseudo-observations of the network's mean; at `takeover`
 * local outcomes the network counts half as much, and its weight keeps falling as local evidence
 * grows (at 4 x takeover, a fifth), so what this node measures takes over. The mean and spread of
 * the prior are kept; only how much it counts shrinks.
 */
export interface NetworkPriorRule {
  /** pseudo-observations the network adds to one arm at most (default 20) */
  maxN: number;
  /** local outcomes at which the network's weight is halved (default 10) */
  takeover: number;
  /**
   * the support (ArmPrior.support) peers' evidence on an arm needs before it may put that arm in
   * the incumbent's place (default 0.5), or raise the arm above the base prior's mean: below it the
   * evidence still counts as a prior, its mean capped at the base prior's (0.5)
   */
  minSupport: number;
  /**
   * the standing (ArmPrior.standing) that lets praise below minSupport count at its own mean after
   * all (default 0.25): an arm only a few peers have run yet is what honest discovery looks like too,
   * and when those few are peers whose reports matched the others' where they overlapped, their word
   * is heard as a prior. It moves the incumbent only once this node has run the arm here twice and
   * its own mean is at least the incumbent's (chooseArms); with minSupport no local outcome is needed.
   */
  minStanding: number;
}

export const DEFAULT_NETWORK_PRIOR: NetworkPriorRule = {
  maxN: 20,
  takeover: 10,
  minSupport: 0.5,
  minStanding: 0.25,
};

/** A peer prior discounted for the local evidence beside it (undefined when nothing is left). */
export function networkPrior(
  given: ArmPrior | undefined,
  localN: number,
  rule: NetworkPriorRule,
): ArmPrior | undefined {
  let prior = given;
  if (!prior || !(prior.n > 0) || !Number.isFinite(prior.n) || !Number.isFinite(prior.sumQ)) return undefined;
  // praise with too little support behind it, from peers that have not earned standing, is what
  // sybils pushing a bad arm look like: heard in full it makes the arm a likely challenger on every
  // new node (and unheard, an arm nobody else reported is drawn more often beside well-known ones),
  // so its mean counts as the base prior's at most, its spread kept: such a minority may warn
  // against an arm, never push one. Peers in good standing may (a good variant only a few have run
  // yet is the network's most useful news for a new node)
  const mean = prior.sumQ / prior.n;
  const vouched = prior.standing !== undefined && prior.standing >= rule.minStanding;
  if (prior.support !== undefined && prior.support < rule.minSupport && !vouched && mean > BASE_PRIOR.mean) {
    const capped = BASE_PRIOR.mean * prior.n;
    const sumQ2 =
      prior.sumQ2 !== undefined
        ? prior.sumQ2 - prior.n * mean * mean + prior.n * BASE_PRIOR.mean ** 2
        : undefined;
    prior = { ...prior, sumQ: capped, ...(sumQ2 !== undefined ? { sumQ2 } : {}) };
  }
  const decay =
    rule.takeover === Number.POSITIVE_INFINITY ? 1 : rule.takeover / (rule.takeover + Math.max(0, localN));
  const f = Math.min(1, rule.maxN / prior.n) * decay;
  if (!(f > 0)) return undefined;
  return {
    n: prior.n * f,
    sumQ: prior.sumQ * f,
    ...(prior.sumQ2 !== undefined && Number.isFinite(prior.sumQ2) ? { sumQ2: prior.sumQ2 * f } : {}),
    ...(prior.support !== undefined ? { support: prior.support } : {}),
    ...(prior.standing !== undefined ? { standing: prior.standing } : {}),
    ...(prior.neighbourN !== undefined && prior.neighbourN > 0 ? { neighbourN: prior.neighbourN * f } : {}),
  };
}
