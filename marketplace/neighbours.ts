import { MarketplaceError, MarketplaceErrorCode } from './errors.js';

/**
 * The network's back-off to neighbouring contexts. A new node's context is often one no peer
 * reports (a project's exact size bucket and registry features are a thin slice of the network),
 * while peers report the same arms on contexts that differ in one field: the same language and
 * generator, a registry one size bucket away, or one feature flag different. What works there is
 * the best guess here until this context's own evidence arrives, so an arm with little evidence in
 * the context asked about borrows its peers' evidence from neighbours, discounted by distance and
 * capped, and local outcomes take over as the optimizer's network rule says.
 *
 * Each neighbour is pooled exactly as the context itself (trust, consensus, clipping, support), so
 * back-off gives a liar nothing it could not get by reporting the neighbour directly.
 */
export interface BackoffRule {
  /** pseudo-observations an arm's prior is topped up to from neighbours, at most (default 10) */
  maxN: number;
  /** a neighbour at distance d counts decay^d of its pooled evidence (default 0.5) */
  decay: number;
  /** neighbours further than this are not used (default 2) */
  maxDistance: number;
}

export const DEFAULT_BACKOFF: BackoffRule = { maxN: 10, decay: 0.5, maxDistance: 2 };

const SIZES = ['xs', 's', 'm', 'l', 'xl'];
const KEY = /^([a-z]+)\|([a-z]+)\|(xs|s|m|l|xl)\|e([01])t([01])d([01])m([01])$/;

/**
 * Steps between two context keys (`language|generator|size|eXtXdXmX`): size buckets apart plus
 * feature flags that differ; undefined when the language or generator differ or a key is not one.
 */
export function contextDistance(a: string, b: string): number | undefined {
  const x = KEY.exec(a);
  const y = KEY.exec(b);
  if (!x || !y || x[1] !== y[1] || x[2] !== y[2]) return undefined;
  let d = Math.abs(SIZES.indexOf(x[3]) - SIZES.indexOf(y[3]));
  for (let i = 4; i <= 7; i++) if (x[i] !== y[i]) d++;
  return d;
}

export function validBackoffRule(r: BackoffRule): BackoffRule {
  const bad = (argument: string, why: string) =>
    new MarketplaceError(
      { code: MarketplaceErrorCode.INVALID_ARGUMENT, argument },
      `backoff.${argument} ${why}`,
    );
  if (!(r.maxN >= 0) || !Number.isFinite(r.maxN)) throw bad('maxN', `must be a number >= 0, got ${r.maxN}`);
  if (!(r.decay > 0 && r.decay < 1)) throw bad('decay', `must be in (0, 1), got ${r.decay}`);
  if (!Number.isInteger(r.maxDistance) || r.maxDistance < 1)
    throw bad('maxDistance', `must be an integer >= 1, got ${r.maxDistance}`);
  return r;
}
