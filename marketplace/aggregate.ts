/**
 * Pooling peers' reports on one (context, arm) into one rating: the trust-weighted robust aggregate
 * (clipped at the weighted median, in the spirit of Bittensor's Yuma consensus) and the plain
 * weighted mean beside it for comparison. Pure arithmetic over reports given in a fixed order (the
 * ratings pass them sorted by peer id), so the result does not depend on the order digests arrived in.
 */

/** One peer's report, already weighted: its counts times (trust x noise discount x per-peer cap). */
export interface Report {
  /** pseudo-observations this report counts for (its weight in the pool and in the median) */
  n: number;
  sumQ: number;
  sumQ2: number;
}

export interface Pooled {
  /** pseudo-observations over every report */
  n: number;
  /** the pooled sums: clipped when robust, as reported when not */
  sumQ: number;
  sumQ2: number;
  /** the weighted mean of the reports as they are (the baseline a robust pool is compared with) */
  plainMean: number;
  /** the weighted median of the reports' means (undefined without reports) */
  median?: number;
  /** reports moved to the band around the median */
  clipped: number;
  reports: number;
}

/**
 * Weighted median of `values` (weights > 0), deterministic: values sorted ascending (ties keep their
 * given order), the first value where the running weight passes half the total; exactly half: the
 * midpoint of it and the next value.
 */
export function weightedMedian(values: { value: number; weight: number }[]): number | undefined {
  const xs = values.filter((x) => x.weight > 0 && Number.isFinite(x.value));
  if (xs.length === 0) return undefined;
  const sorted = xs.map((x, i) => ({ ...x, i })).sort((a, b) => a.value - b.value || a.i - b.i);
  let total = 0;
  for (const x of sorted) total += x.weight;
  const half = total / 2;
  let cum = 0;
  for (let i = 0; i < sorted.length; i++) {
    cum += sorted[i].weight;
    if (cum > half) return sorted[i].value;
    if (cum === half) return (sorted[i].value + (sorted[i + 1]?.value ?? sorted[i].value)) / 2;
  }
  return sorted[sorted.length - 1].value;
}

/**
 * Pools reports. Robust (`clip` a number): each report's mean is first clipped into
 * [median - clip, median + clip], where the median is the weighted median of all reports' means
 * (weights: what each report counts for, i.e. trust x capped effective n), then pooled with the same
 * weights; a report keeps its own spread around its (clipped) mean. A minority, however loud its
 * claims, moves the median only to the edge of the honest reports and each of its reports at most
 * `clip` from there. Plain (`clip` undefined): the weighted mean of the reports as they are.
 */
export function pool(reports: Report[], clip: number | undefined): Pooled {
  const used = reports.filter((r) => r.n > 0 && Number.isFinite(r.sumQ));
  let n = 0;
  let plainSum = 0;
  for (const r of used) {
    n += r.n;
    plainSum += r.sumQ;
  }
  const plainMean = n > 0 ? plainSum / n : 0;
  const median =
    used.length > 0 ? weightedMedian(used.map((r) => ({ value: r.sumQ / r.n, weight: r.n }))) : undefined;
  if (clip === undefined || median === undefined) {
    let sumQ2 = 0;
    for (const r of used) sumQ2 += r.sumQ2;
    return {
      n,
      sumQ: plainSum,
      sumQ2,
      plainMean,
      ...(median === undefined ? {} : { median }),
      clipped: 0,
      reports: used.length,
    };
  }
  const lo = median - clip;
  const hi = median + clip;
  let sumQ = 0;
  let sumQ2 = 0;
  let clipped = 0;
  for (const r of used) {
    const mean = r.sumQ / r.n;
    const kept = Math.min(hi, Math.max(lo, mean));
    if (kept !== mean) clipped++;
    sumQ += r.n * kept;
    // the report's own spread (sumQ2 - n mean^2 >= 0) around its clipped mean
    sumQ2 += Math.max(0, r.sumQ2 - r.n * mean * mean) + r.n * kept * kept;
  }
  return { n, sumQ, sumQ2, plainMean, median, clipped, reports: used.length };
}
