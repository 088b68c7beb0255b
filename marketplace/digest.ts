import { createHash } from 'node:crypto';
import { SENSITIVITY } from '../protocols/anonymizer.js';
import { type Rejected, reject } from './errors.js';
import { canonicalJson } from './pack-id.js';

/**
 * One (context, arm) line of a peer's digest: its (noised) arm statistics. Field names follow
 * ArmStats and the wire schema (protocols' DigestEntry is assignable to this; extra fields are
 * ignored).
 */
export interface DigestEntry {
  contextKey: string;
  armKey: string;
  n: number;
  sumQ: number;
  sumQ2?: number;
}

/** What a peer published for one epoch: a snapshot of its arm statistics (cumulative, so the newest wins). */
export interface PeerDigest {
  /** the peer id, as authenticated by the network layer */
  peer: string;
  epoch: number;
  /** the Laplace epsilon its counts were noised with (scale NOISE_SENSITIVITY / epsilon); absent: exact */
  epsilon?: number;
  entries: DigestEntry[];
}

export interface CleanEntry {
  n: number;
  sumQ: number;
  sumQ2?: number;
}

/** A digest after sanitizing, indexed by context then arm, with its content hash for tie-breaks. */
export interface HeldDigest {
  peer: string;
  epoch: number;
  hash: string;
  entries: number;
  /** the epsilon it claims its noise has (undefined: exact counts) */
  epsilon?: number;
  byContext: Map<string, Map<string, CleanEntry>>;
}

/**
 * L1 sensitivity of a digest entry's (n, sumQ, sumQ2) to one outcome: the anonymizer's SENSITIVITY,
 * the one value (a receiver that assumed another scale would weigh peers' noisy counts wrongly).
 * Each coordinate carries Laplace noise of scale NOISE_SENSITIVITY / epsilon.
 */
export const NOISE_SENSITIVITY = SENSITIVITY;
/** the per-outcome variance of q assumed at least (a noised sumQ2 says little about small spreads) */
export const MIN_Q_VARIANCE = 0.02;

/**
 * How much of a noised entry's n counts, in (0, 1]: n_eff / n, where n_eff is the number of exact
 * outcomes whose mean would be as precise as this noised mean. The mean sumQ / n has sampling
 * variance v_s = var_q / n (var_q from sumQ2, in [MIN_Q_VARIANCE, 0.25]) and, from the Laplace noise
 * on sumQ and n (variance 2 scale^2 each; delta method), v_noise = 2 scale^2 (1 + mean^2) / n^2.
 * n_eff = n v_s / (v_s + v_noise) = n / (1 + v_noise n / var_q). Exact counts (no epsilon): 1.
 */
export function noiseDiscount(e: CleanEntry, epsilon: number | undefined): number {
  if (epsilon === undefined || !(e.n > 0)) return 1;
  const mean = e.sumQ / e.n;
  const spread = e.sumQ2 !== undefined ? e.sumQ2 / e.n - mean * mean : mean * (1 - mean);
  const varQ = Math.min(0.25, Math.max(MIN_Q_VARIANCE, spread));
  return 1 / (1 + (noiseVariance(e, epsilon) * e.n) / varQ);
}

/** The variance the Laplace noise adds to a noised entry's mean sumQ / n (0 for exact counts). */
export function noiseVariance(e: { n: number; sumQ: number }, epsilon: number | undefined): number {
  if (epsilon === undefined || !(e.n > 0)) return 0;
  const scale = NOISE_SENSITIVITY / epsilon;
  const mean = e.sumQ / e.n;
  return (2 * scale * scale * (1 + mean * mean)) / (e.n * e.n);
}

const MAX_KEY = 300;

/**
 * Digests are noised (Laplace on the counts), so a sane-looking entry can still say mean 1.07 or
 * n -0.4: those are clamped or skipped, not rejected. Structure errors (non-numbers, duplicates,
 * too many entries) reject the whole digest: that is a broken or hostile peer, not noise.
 */
export function sanitizeDigest(d: PeerDigest, maxEntries: number): { ok: true; held: HeldDigest } | Rejected {
  if (typeof d !== 'object' || d === null) return reject('bad-digest', 'digest must be an object');
  if (typeof d.peer !== 'string' || d.peer.length === 0 || d.peer.length > 200)
    return reject('bad-digest', 'digest peer must be a peer id string');
  if (!Number.isSafeInteger(d.epoch) || d.epoch < 0)
    return reject('bad-digest', 'digest epoch must be a non-negative integer');
  if (
    d.epsilon !== undefined &&
    !(typeof d.epsilon === 'number' && d.epsilon > 0 && Number.isFinite(d.epsilon))
  )
    return reject('bad-digest', 'digest epsilon must be a positive number');
  if (!Array.isArray(d.entries)) return reject('bad-digest', 'digest entries must be an array');
  if (d.entries.length > maxEntries)
    return reject('bad-digest', `digest has ${d.entries.length} entries, the limit is ${maxEntries}`);
  const byContext = new Map<string, Map<string, CleanEntry>>();
  const lines: unknown[] = [];
  let entries = 0;
  for (const e of d.entries) {
    if (typeof e !== 'object' || e === null) return reject('bad-digest', 'digest entry must be an object');
    const { contextKey: context, armKey: arm, n, sumQ, sumQ2 } = e;
    if (typeof context !== 'string' || !context || context.length > MAX_KEY || context.includes('\n'))
      return reject('bad-digest', 'digest entry context must be a short string');
    if (typeof arm !== 'string' || !arm || arm.length > MAX_KEY || arm.includes('\n'))
      return reject('bad-digest', 'digest entry arm must be a short string');
    if (!Number.isFinite(n) || !Number.isFinite(sumQ) || (sumQ2 !== undefined && !Number.isFinite(sumQ2)))
      return reject('bad-digest', `digest entry ${context} ${arm}: n, sumQ, sumQ2 must be finite numbers`);
    const arms = byContext.get(context) ?? new Map<string, CleanEntry>();
    if (arms.has(arm)) return reject('bad-digest', `digest lists ${context} ${arm} twice`);
    byContext.set(context, arms);
    if (n <= 0) {
      // noise pushed a small count to zero or below: the peer knows nothing useful here
      arms.set(arm, { n: 0, sumQ: 0 });
      continue;
    }
    const mean = clamp01(sumQ / n);
    const clean: CleanEntry = { n, sumQ: mean * n };
    // q is in [0, 1], so q^2 <= q: sum q^2 lies between n mean^2 (no spread) and n mean
    if (sumQ2 !== undefined) clean.sumQ2 = Math.min(mean * n, Math.max(mean * mean * n, sumQ2));
    arms.set(arm, clean);
    lines.push([context, arm, clean.n, clean.sumQ, clean.sumQ2 ?? null]);
    entries++;
  }
  // drop the placeholders for non-positive counts (kept only to detect duplicates)
  for (const [c, arms] of byContext) {
    for (const [a, e] of arms) if (e.n <= 0) arms.delete(a);
    if (arms.size === 0) byContext.delete(c);
  }
  lines.sort((a, b) => cmp(canonicalJson(a), canonicalJson(b)));
  const hash = createHash('sha256')
    .update(canonicalJson(d.epsilon === undefined ? [d.epoch, lines] : [d.epoch, lines, d.epsilon]))
    .digest('hex');
  const epsilon = d.epsilon === undefined ? {} : { epsilon: d.epsilon };
  return { ok: true, held: { peer: d.peer, epoch: d.epoch, hash, entries, ...epsilon, byContext } };
}

export function toDigest(h: HeldDigest): PeerDigest {
  const entries: DigestEntry[] = [];
  for (const c of [...h.byContext.keys()].sort())
    for (const [arm, e] of [...h.byContext.get(c)!].sort(([a], [b]) => cmp(a, b)))
      entries.push({ contextKey: c, armKey: arm, ...e });
  return {
    peer: h.peer,
    epoch: h.epoch,
    ...(h.epsilon === undefined ? {} : { epsilon: h.epsilon }),
    entries,
  };
}

export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
