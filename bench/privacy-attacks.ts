import { DAY_MS } from './privacy-projects.js';
import type { Stream } from './privacy-stream.js';

/**
 * The two attacks of the privacy benchmark, on what a peer receives (digests: `at`, entries, released
 * n). Only the scoring reads the truth the stream carries beside each release.
 *
 * Averaging: fresh noise on counts that did not change averages away. The attacker cannot see when a
 * count changed, so he uses simple strategies: the mean of an entry's released n over one UTC day
 * (scored on the entry-days its exact n did not change, as on an idle day), and over the whole
 * stream the trailing run of days whose daily means agree (a day joins the run while its mean is
 * within two standard errors of the run's, the noise's scale read off the digest's epsilon), scored
 * against the exact n at the entry's last release. The oracle run (every release since the exact n
 * last changed, which the attacker cannot know) bounds what averaging can do.
 *
 * Linking: the attacker holds a project's releases before its key change and must tell which of two
 * later streams (new keys) is the same project. Each feature below is a distance between the earlier
 * segment and a later one; the classifier is the nearest one (on one feature, or on the sum of all).
 */

export interface Tally {
  exact: number;
  total: number;
}

export interface AveragingResult {
  /** entry-days with an unchanged exact n whose daily mean rounds to it */
  oneDay: Tally;
  /** entries whose trailing-run estimate rounds to the exact n at their last release */
  allDays: Tally;
  /** the same with the oracle run (since the exact n last changed) */
  oracle: Tally;
}

export const emptyAveraging = (): AveragingResult => ({
  oneDay: { exact: 0, total: 0 },
  allDays: { exact: 0, total: 0 },
  oracle: { exact: 0, total: 0 },
});

export function addAveraging(a: AveragingResult, b: AveragingResult): AveragingResult {
  const add = (x: Tally, y: Tally) => ({ exact: x.exact + y.exact, total: x.total + y.total });
  return {
    oneDay: add(a.oneDay, b.oneDay),
    allDays: add(a.allDays, b.allDays),
    oracle: add(a.oracle, b.oracle),
  };
}

const dayOf = (at: number) => Math.floor(at / DAY_MS);

interface Day {
  day: number;
  sum: number;
  count: number;
  minTruth: number;
  maxTruth: number;
}

/** The averaging attack on one stream, scored on the entries whose exact n is at least `minN` then. */
export function averagingAttack(s: Stream, minN = 0): AveragingResult {
  const out = emptyAveraging();
  // per entry: its releases in order (released n, exact n) and its days
  const series = new Map<number, { n: number[]; truth: number[]; days: Day[] }>();
  for (const r of s.releases) {
    const day = dayOf(r.at);
    r.ids.forEach((id, i) => {
      let e = series.get(id);
      if (!e) {
        e = { n: [], truth: [], days: [] };
        series.set(id, e);
      }
      e.n.push(r.n[i]);
      e.truth.push(r.truth[i]);
      let d = e.days[e.days.length - 1];
      if (!d || d.day !== day) {
        d = { day, sum: 0, count: 0, minTruth: Infinity, maxTruth: -Infinity };
        e.days.push(d);
      }
      d.sum += r.n[i];
      d.count++;
      d.minTruth = Math.min(d.minTruth, r.truth[i]);
      d.maxTruth = Math.max(d.maxTruth, r.truth[i]);
    });
  }
  const tally = (t: Tally, estimate: number, truth: number) => {
    if (truth < minN) return;
    t.total++;
    if (Math.round(estimate) === truth) t.exact++;
  };
  for (const e of series.values()) {
    for (const d of e.days) if (d.minTruth === d.maxTruth) tally(out.oneDay, d.sum / d.count, d.minTruth);
    const truth = e.truth[e.truth.length - 1];
    // the attacker's trailing run of agreeing days
    const last = e.days[e.days.length - 1];
    let sum = last.sum;
    let count = last.count;
    for (let i = e.days.length - 2; i >= 0; i--) {
      const d = e.days[i];
      const tol = 2 * Math.SQRT2 * s.scale * Math.sqrt(1 / d.count + 1 / count);
      if (Math.abs(d.sum / d.count - sum / count) > tol) break;
      sum += d.sum;
      count += d.count;
    }
    tally(out.allDays, sum / count, truth);
    // the oracle run
    let oSum = 0;
    let oCount = 0;
    for (let i = e.truth.length - 1; i >= 0 && e.truth[i] === truth; i--) {
      oSum += e.n[i];
      oCount++;
    }
    tally(out.oracle, oSum / oCount, truth);
  }
  return out;
}

/** What the linking classifier reads off a stretch of one stream's releases. */
export interface SegmentFeatures {
  releases: number;
  contexts: Set<string>;
  entries: Set<string>;
  /** mean entries per release */
  entryCount: number;
  /** per entry, its first and its last released n in the segment */
  first: Map<string, number>;
  last: Map<string, number>;
  /** share of releases per UTC hour of `at` */
  hours: number[];
  /** circular mean of `at` within its epoch, as an angle (undefined when the phases cancel out) */
  phase?: number;
}

/** The features of the releases built in [from, to), or undefined when there are none. */
export function segmentFeatures(s: Stream, from: number, to: number): SegmentFeatures | undefined {
  const rs = s.releases.filter((r) => r.builtAt >= from && r.builtAt < to);
  if (rs.length === 0) return undefined;
  const f: SegmentFeatures = {
    releases: rs.length,
    contexts: new Set(),
    entries: new Set(),
    entryCount: 0,
    first: new Map(),
    last: new Map(),
    hours: new Array(24).fill(0),
  };
  let x = 0;
  let y = 0;
  for (const r of rs) {
    f.entryCount += r.ids.length / rs.length;
    f.hours[new Date(r.at).getUTCHours()] += 1 / rs.length;
    const angle = (2 * Math.PI * (((r.at % s.epochMs) + s.epochMs) % s.epochMs)) / s.epochMs;
    x += Math.cos(angle);
    y += Math.sin(angle);
    r.ids.forEach((id, i) => {
      const name = s.names[id];
      f.entries.add(name);
      f.contexts.add(name.split('\n')[0]);
      if (!f.first.has(name)) f.first.set(name, r.n[i]);
      f.last.set(name, r.n[i]);
    });
  }
  if (Math.hypot(x, y) / rs.length > 1e-6) f.phase = Math.atan2(y, x);
  return f;
}

const jaccard = (a: Set<string>, b: Set<string>) => {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  const union = a.size + b.size - both;
  return union === 0 ? 0 : 1 - both / union;
};

/**
 * Distances from an earlier segment (`a`, before the key change) to a later one (`b`), each in
 * [0, 1], fixed before any figure was seen: no weights were fitted.
 */
export const LINK_FEATURES: Record<string, (a: SegmentFeatures, b: SegmentFeatures) => number> = {
  'context keys': (a, b) => jaccard(a.contexts, b.contexts),
  'entries (context, arm)': (a, b) => jaccard(a.entries, b.entries),
  'entries per digest': (a, b) => Math.min(1, Math.abs(Math.log(a.entryCount / b.entryCount))),
  // counts are cumulative: the later stream's first n continue the earlier stream's last n
  'n levels': (a, b) => {
    const names = new Set([...a.last.keys(), ...b.first.keys()]);
    let sum = 0;
    for (const name of names) {
      const x = a.last.get(name);
      const y = b.first.get(name);
      sum += x === undefined || y === undefined ? 1 : Math.min(1, Math.abs(Math.log1p(y) - Math.log1p(x)));
    }
    return names.size ? sum / names.size : 0;
  },
  'time of day of at': (a, b) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let h = 0; h < 24; h++) {
      dot += a.hours[h] * b.hours[h];
      na += a.hours[h] ** 2;
      nb += b.hours[h] ** 2;
    }
    return 1 - dot / Math.sqrt(na * nb);
  },
  'at within its epoch': (a, b) => {
    if (a.phase === undefined || b.phase === undefined) return 1;
    const d = Math.abs(a.phase - b.phase) % (2 * Math.PI);
    return Math.min(d, 2 * Math.PI - d) / Math.PI;
  },
};

export const ALL_FEATURES = 'all of them (sum)';

export function linkDistance(feature: string, a: SegmentFeatures, b: SegmentFeatures): number {
  if (feature !== ALL_FEATURES) return LINK_FEATURES[feature](a, b);
  return Object.values(LINK_FEATURES).reduce((s, f) => s + f(a, b), 0);
}

export interface LinkTarget {
  before?: SegmentFeatures;
  after?: SegmentFeatures;
}

/**
 * The linking attack's AUC as a two-alternative choice: for every project A with both segments and
 * every other project B with a later segment, 1 when A's later segment is nearer A's earlier one than
 * B's is, 1/2 on a tie, 0 otherwise; the mean over (A, B) pairs. 0.5 is chance, 1 always linked.
 */
export function linkingAuc(targets: readonly LinkTarget[], feature: string): { auc: number; pairs: number } {
  let score = 0;
  let pairs = 0;
  targets.forEach((a, i) => {
    if (!a.before || !a.after) return;
    const own = linkDistance(feature, a.before, a.after);
    targets.forEach((b, j) => {
      if (j === i || !b.after || !a.before) return;
      const other = linkDistance(feature, a.before, b.after);
      score += own < other ? 1 : own === other ? 0.5 : 0;
      pairs++;
    });
  });
  return { auc: pairs ? score / pairs : Number.NaN, pairs };
}
