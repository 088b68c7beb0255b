import { canonicalJson } from '../../marketplace/pack-id.js';
import type { GenerationRequest } from '../jobs/index.js';

/** What a project asked of one registry before, oldest first (its own generation records). */
export interface PastRequest {
  request: GenerationRequest;
  at: number;
}

export interface PredictRule {
  /** requests whose weight halves every this many requests back (default 4): habits change */
  halfLife: number;
  /** shapes predicted at most (default 2) */
  maxShapes: number;
  /** a shape is predicted only with at least this share of the weighted history (default 0.15) */
  minShare: number;
}

export const DEFAULT_PREDICT_RULE: PredictRule = { halfLife: 4, maxShapes: 2, minShare: 0.15 };

export interface Prediction {
  /** the request to run ahead: what was asked, without where to write it */
  request: GenerationRequest;
  /** its share of the recency-weighted history */
  share: number;
  reason: string;
}

/** What a request asks, whatever its output folder: the part of it the result cache keys on. */
export function shapeOf(r: GenerationRequest): GenerationRequest {
  const { out: _out, ...rest } = r;
  return { ...rest, languages: [...r.languages].sort() as GenerationRequest['languages'] };
}
const keyOf = (r: GenerationRequest) => canonicalJson(shapeOf(r));

/**
 * What this project is likely to ask next of a registry that just changed: the shapes of its past
 * requests (languages, pack, params, candidates, models, validate), each weighted by how recent it
 * is (halving every `halfLife` requests), the heaviest first while their share reaches `minShare`.
 * A project that always asks for TypeScript gets TypeScript; one that alternates gets both.
 */
export function predictRequests(
  history: PastRequest[],
  rule: PredictRule = DEFAULT_PREDICT_RULE,
): Prediction[] {
  const weights = new Map<
    string,
    { request: GenerationRequest; weight: number; count: number; last: number }
  >();
  let total = 0;
  const ordered = [...history].sort((a, b) => a.at - b.at);
  ordered.forEach((p, i) => {
    const age = ordered.length - 1 - i;
    const w = 0.5 ** (age / rule.halfLife);
    total += w;
    const k = keyOf(p.request);
    const s = weights.get(k) ?? { request: shapeOf(p.request), weight: 0, count: 0, last: p.at };
    s.weight += w;
    s.count++;
    s.last = Math.max(s.last, p.at);
    weights.set(k, s);
  });
  if (total === 0) return [];
  return [...weights.values()]
    .map((s) => ({ ...s, share: s.weight / total }))
    .filter((s) => s.share >= rule.minShare)
    .sort((a, b) => b.share - a.share || b.last - a.last)
    .slice(0, rule.maxShapes)
    .map((s) => ({
      request: s.request,
      share: s.share,
      reason: `asked ${s.count} of the last ${ordered.length} times of this registry (${Math.round(s.share * 100)}% of the recency-weighted history)`,
    }));
}
