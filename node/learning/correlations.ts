/** A feature's linear association with quality over the ingested outcomes. */
export interface Correlation {
  feature: string;
  /** Pearson r between the feature (0/1, or the size bucket's rank) and q, in [-1, 1] */
  r: number;
  /** outcomes having the feature (for the size rank: all outcomes) */
  n: number;
  meanWith: number;
  meanWithout: number;
}

export interface CorrelationRow {
  items: string[];
  q: number;
}

const SIZE_RANK: Record<string, number> = { xs: 0, s: 1, m: 2, l: 3, xl: 4 };
export const SIZE_FEATURE = 'size (rank xs..xl)';

/**
 * Point-biserial correlation of every feature seen in at least `minCount` rows (and missing from at
 * least that many, or it cannot vary) with q, plus the size bucket as an ordinal. Sorted by |r|.
 * Pooled over all contexts: a feature tied to one language also carries that language's level.
 */
export function correlate(rows: CorrelationRow[], minCount = 10): Correlation[] {
  const n = rows.length;
  if (n < 2) return [];
  const meanQ = rows.reduce((s, r) => s + r.q, 0) / n;
  const sdQ = Math.sqrt(rows.reduce((s, r) => s + (r.q - meanQ) ** 2, 0) / n);
  const withSum = new Map<string, [number, number]>();
  for (const r of rows) {
    for (const i of new Set(r.items)) {
      const a = withSum.get(i) ?? [0, 0];
      a[0]++;
      a[1] += r.q;
      withSum.set(i, a);
    }
  }
  const out: Correlation[] = [];
  for (const [feature, [k, sum]] of withSum) {
    const c = featureCorrelation(feature, k, sum, n, meanQ, sdQ, minCount);
    if (c) out.push(c);
  }
  const size = rows.map((r) => sizeRankOf(r.items));
  if (size.every((x) => !Number.isNaN(x))) {
    const r = pearson(
      size,
      rows.map((x) => x.q),
    );
    if (r !== undefined) out.push({ feature: SIZE_FEATURE, r, n, meanWith: meanQ, meanWithout: meanQ });
  }
  return sortCorrelations(out);
}

/** The size bucket's rank for the ordinal correlation (NaN: no size item). */
export const sizeRankOf = (items: string[]) =>
  SIZE_RANK[items.find((i) => i.startsWith('size='))?.slice(5) ?? ''] ?? Number.NaN;

/**
 * One feature's point-biserial correlation from its count `k` and q sum among `n` rows of mean
 * `meanQ` and sd `sdQ`; undefined when it is in fewer than `minCount` rows or missing from fewer.
 */
export function featureCorrelation(
  feature: string,
  k: number,
  sum: number,
  n: number,
  meanQ: number,
  sdQ: number,
  minCount: number,
): Correlation | undefined {
  if (k < minCount || n - k < minCount) return undefined;
  const meanWith = sum / k;
  const meanWithout = (meanQ * n - sum) / (n - k);
  const p = k / n;
  const r = sdQ === 0 ? 0 : ((meanWith - meanWithout) * Math.sqrt(p * (1 - p))) / sdQ;
  return { feature, r, n: k, meanWith, meanWithout };
}

export const sortCorrelations = (out: Correlation[]) =>
  out.sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.feature.localeCompare(b.feature));

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | undefined {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) mx += x[i];
  for (let i = 0; i < n; i++) my += y[i];
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? undefined : sxy / Math.sqrt(sxx * syy);
}
