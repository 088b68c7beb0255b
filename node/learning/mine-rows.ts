import {
  type Correlation,
  featureCorrelation,
  pearson,
  SIZE_FEATURE,
  sizeRankOf,
  sortCorrelations,
} from './correlations.js';
import { OUTCOME_LABELS, type OutcomeLabel } from './features.js';
import {
  DEFAULT_RULE_THRESHOLDS,
  forEachSubset,
  RULE_COUNT_WIDTH,
  type RuleSet,
  type RuleThresholds,
  rowHash,
  rulesFromCounts,
} from './rules.js';
import type { OutcomeRows } from './window.js';

/**
 * mineRules over rows, with the same result to the bit: the same counts, the same cover hashes and
 * the same q sums, added in the same row order. What it saves is the per-row work: the item sets a
 * row counts toward are enumerated once per group, not once per row, and a row adds its numbers to
 * a typed array at fixed offsets instead of joining set keys and looking them up.
 */
export function mineRulesOf(rows: OutcomeRows, thresholds: Partial<RuleThresholds> = {}): RuleSet {
  const t = { ...DEFAULT_RULE_THRESHOLDS, ...thresholds };
  const total = rows.length;
  const baseRates = Object.fromEntries(OUTCOME_LABELS.map((l) => [l, 0])) as Record<OutcomeLabel, number>;
  if (total === 0) return { transactions: 0, thresholds: t, baseRates, rules: [], total: 0, informative: 0 };
  const minCount = Math.max(1, t.minCount ?? 0, Math.ceil(t.minSupport * total));

  const rowsOfGroup = new Float64Array(rows.items.length);
  const labelled = new Float64Array(OUTCOME_LABELS.length);
  for (let row = 0; row < total; row++) {
    rowsOfGroup[rows.group[row]]++;
    for (let li = 0; li < OUTCOME_LABELS.length; li++) if (rows.labels[row] & (1 << li)) labelled[li]++;
  }
  OUTCOME_LABELS.forEach((l, li) => {
    baseRates[l] = labelled[li] / total;
  });
  const single = new Map<string, number>();
  rows.items.forEach((items, g) => {
    for (const i of items) single.set(i, (single.get(i) ?? 0) + rowsOfGroup[g]);
  });

  // every item set a group's rows count toward (subsets of its frequent items), as offsets into `c`
  const slots = new Map<string, number>();
  const offsets = rows.items.map((groupItems) => {
    const items = [...new Set(groupItems)].filter((i) => (single.get(i) ?? 0) >= minCount).sort();
    const out: number[] = [];
    forEachSubset(items, t.maxLength, (key) => {
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = slots.size * RULE_COUNT_WIDTH;
        slots.set(key, slot);
      }
      out.push(slot);
    });
    return Int32Array.from(out);
  });
  const c = new Float64Array(slots.size * RULE_COUNT_WIDTH);
  const Q = RULE_COUNT_WIDTH - 3;
  for (let row = 0; row < total; row++) {
    const h = rowHash(row);
    const bits = rows.labels[row];
    const q = rows.q[row];
    const hasQ = !Number.isNaN(q);
    for (const off of offsets[rows.group[row]]) {
      c[off]++;
      c[off + 1] += h;
      if (bits & 1) {
        c[off + 2]++;
        c[off + 3] += h;
      }
      if (bits & 2) {
        c[off + 4]++;
        c[off + 5] += h;
      }
      if (bits & 4) {
        c[off + 6]++;
        c[off + 7] += h;
      }
      if (hasQ) {
        c[off + Q]++;
        c[off + Q + 1] += q;
        c[off + Q + 2] += q * q;
      }
    }
  }
  const counts = new Map<string, Float64Array>();
  for (const [key, off] of slots) counts.set(key, c.subarray(off, off + RULE_COUNT_WIDTH));
  return rulesFromCounts(counts, total, t, baseRates, minCount);
}

/** correlate over rows, with the same result to the bit (the same sums, in the same row order). */
export function correlateOf(rows: OutcomeRows, minCount = 10): Correlation[] {
  const n = rows.length;
  if (n < 2) return [];
  const q = rows.q;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += q[i];
  const meanQ = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (q[i] - meanQ) ** 2;
  const sdQ = Math.sqrt(squares / n);

  const features = new Map<string, number>();
  const ofGroup = rows.items.map((items) =>
    Int32Array.from(new Set(items), (i) => {
      let f = features.get(i);
      if (f === undefined) {
        f = features.size;
        features.set(i, f);
      }
      return f;
    }),
  );
  const k = new Float64Array(features.size);
  const sums = new Float64Array(features.size);
  for (let row = 0; row < n; row++)
    for (const f of ofGroup[rows.group[row]]) {
      k[f]++;
      sums[f] += q[row];
    }
  const out: Correlation[] = [];
  for (const [feature, f] of features) {
    // a group the window no longer holds a row of leaves features nobody had
    if (k[f] === 0) continue;
    const c = featureCorrelation(feature, k[f], sums[f], n, meanQ, sdQ, minCount);
    if (c) out.push(c);
  }
  const rankOfGroup = rows.items.map(sizeRankOf);
  const size = new Float64Array(n);
  let ranked = true;
  for (let row = 0; row < n && ranked; row++) {
    size[row] = rankOfGroup[rows.group[row]];
    ranked = !Number.isNaN(size[row]);
  }
  if (ranked) {
    const r = pearson(size, q);
    if (r !== undefined) out.push({ feature: SIZE_FEATURE, r, n, meanWith: meanQ, meanWithout: meanQ });
  }
  return sortCorrelations(out);
}
