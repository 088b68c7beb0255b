import type { ArmPrior } from './thompson.js';

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
   * the incumbent's place (default 0.5); below it the evidence still counts as a prior
   */
  minSupport: number;
}

export const DEFAULT_NETWORK_PRIOR: NetworkPriorRule = { maxN: 20, takeover: 10, minSupport: 0.5 };

/** A peer prior discounted for the local evidence beside it (undefined when nothing is left). */
export function networkPrior(
  prior: ArmPrior | undefined,
  localN: number,
  rule: NetworkPriorRule,
): ArmPrior | undefined {
  if (!prior || !(prior.n > 0) || !Number.isFinite(prior.n) || !Number.isFinite(prior.sumQ)) return undefined;
  const decay =
    rule.takeover === Number.POSITIVE_INFINITY ? 1 : rule.takeover / (rule.takeover + Math.max(0, localN));
  const f = Math.min(1, rule.maxN / prior.n) * decay;
  if (!(f > 0)) return undefined;
  return {
    n: prior.n * f,
    sumQ: prior.sumQ * f,
    ...(prior.sumQ2 !== undefined && Number.isFinite(prior.sumQ2) ? { sumQ2: prior.sumQ2 * f } : {}),
    ...(prior.support !== undefined ? { support: prior.support } : {}),
    ...(prior.neighbourN !== undefined && prior.neighbourN > 0 ? { neighbourN: prior.neighbourN * f } : {}),
  };
}
