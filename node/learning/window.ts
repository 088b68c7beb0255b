import type { Store } from '../storage/index.js';
import { outcomeKey } from './arm-stats.js';
import {
  type Correlation,
  featureCorrelation,
  pearson,
  SIZE_FEATURE,
  sizeRankOf,
  sortCorrelations,
} from './correlations.js';
import {
  type CandidateOutcome,
  featuresOf,
  labelsOf,
  OUTCOME_LABELS,
  type OutcomeLabel,
} from './features.js';
import {
  DEFAULT_RULE_THRESHOLDS,
  forEachSubset,
  RULE_COUNT_WIDTH,
  type RuleSet,
  type RuleThresholds,
  rowHash,
  rulesFromCounts,
} from './rules.js';

/**
 * The newest outcomes as rules and correlations read them, held compactly: per row (newest first)
 * its group, q and outcome labels in typed arrays; per group (a distinct feature set: the features
 * depend on the context and the arm alone, so a few hundred groups cover any number of rows) its
 * features. 13 bytes a row, at most `maxTransactions` rows, instead of the outcomes themselves.
 */
export interface OutcomeRows {
  readonly length: number;
  /** each row's group (an index into `items`) */
  readonly group: Uint32Array;
  /** each row's q (NaN when the outcome had none) */
  readonly q: Float64Array;
  /** each row's labels: bit i set when it has OUTCOME_LABELS[i] */
  readonly labels: Uint8Array;
  /** each group's features (featuresOf its outcomes) */
  readonly items: readonly string[][];
  /** the outcome key of the newest row (what a later outcome must sort after to be prepended) */
  readonly newest?: string;
}

const LABEL_BIT = Object.fromEntries(OUTCOME_LABELS.map((l, i) => [l, 1 << i])) as Record<
  OutcomeLabel,
  number
>;

/**
 * The groups rows point into: one per distinct feature list, keyed by the features themselves, so
 * two outcomes share a group exactly when mining sees the same row. Rows built on one registry
 * (a window and the rows prepended to it) share it; it only grows.
 */
export class RowGroups {
  readonly items: string[][] = [];
  private readonly index = new Map<string, number>();

  of(o: CandidateOutcome): number {
    const items = featuresOf(o);
    const key = JSON.stringify(items);
    let g = this.index.get(key);
    if (g === undefined) {
      g = this.items.length;
      this.items.push(items);
      this.index.set(key, g);
    }
    return g;
  }
}

/** Collects rows in the order given (newest first), keeping at most `max`. */
export class OutcomeRowsBuilder {
  private n = 0;
  private group = new Uint32Array(256);
  private q = new Float64Array(256);
  private labels = new Uint8Array(256);
  private newest?: string;

  constructor(
    private readonly max = Number.POSITIVE_INFINITY,
    private readonly groups = new RowGroups(),
  ) {}

  get full(): boolean {
    return this.n >= this.max;
  }

  add(o: CandidateOutcome): void {
    if (this.full) return;
    if (this.n === 0) this.newest = outcomeKey(o);
    if (this.n === this.group.length) this.grow(this.n + 1);
    let bits = 0;
    for (const l of labelsOf(o)) bits |= LABEL_BIT[l];
    this.group[this.n] = this.groups.of(o);
    this.q[this.n] = typeof o.q === 'number' && Number.isFinite(o.q) ? o.q : Number.NaN;
    this.labels[this.n] = bits;
    this.n++;
  }

  /** Appends rows built on the same groups (older than every row added so far), up to `max`. */
  addRows(rows: OutcomeRows): void {
    const take = Math.min(rows.length, this.max - this.n);
    if (take <= 0) return;
    if (this.n === 0 && rows.newest) this.newest = rows.newest;
    if (this.n + take > this.group.length) this.grow(this.n + take);
    this.group.set(rows.group.subarray(0, take), this.n);
    this.q.set(rows.q.subarray(0, take), this.n);
    this.labels.set(rows.labels.subarray(0, take), this.n);
    this.n += take;
  }

  done(): OutcomeRows {
    return {
      length: this.n,
      group: this.group.subarray(0, this.n),
      q: this.q.subarray(0, this.n),
      labels: this.labels.subarray(0, this.n),
      items: this.groups.items,
      ...(this.newest ? { newest: this.newest } : {}),
    };
  }

  private grow(needed: number): void {
    let size = this.group.length;
    while (size < needed) size *= 2;
    size = Math.max(needed, Math.min(size, this.max));
    const group = new Uint32Array(size);
    group.set(this.group.subarray(0, this.n));
    const q = new Float64Array(size);
    q.set(this.q.subarray(0, this.n));
    const labels = new Uint8Array(size);
    labels.set(this.labels.subarray(0, this.n));
    this.group = group;
    this.q = q;
    this.labels = labels;
  }
}

/**
 * The rows of the newest `max` outcomes once `added` are in, without reading the store: when every
 * added outcome sorts after the rows' newest (a generation just measured), they go in front and
 * the oldest fall off the end, which is exactly what reading the store again would give. Undefined
 * otherwise (an older outcome ingested late): the caller reads again.
 */
export function prependRows(
  rows: OutcomeRows,
  added: CandidateOutcome[],
  max: number,
  groups: RowGroups,
): OutcomeRows | undefined {
  if (rows.items !== groups.items) return undefined;
  const keyed = added.map((o) => ({ key: outcomeKey(o), o })).sort((a, b) => (a.key < b.key ? 1 : -1));
  if (rows.newest !== undefined && keyed.length > 0 && keyed[keyed.length - 1].key <= rows.newest)
    return undefined;
  const b = new OutcomeRowsBuilder(max, groups);
  for (const { o } of keyed) b.add(o);
  b.addRows(rows);
  return b.done();
}

/** Rows of outcomes given newest first (tests, and callers that hold the outcomes already). */
export function outcomeRows(
  outcomes: Iterable<CandidateOutcome>,
  max?: number,
  groups?: RowGroups,
): OutcomeRows {
  const b = new OutcomeRowsBuilder(max, groups);
  for (const o of outcomes) b.add(o);
  return b.done();
}

/** The newest `max` ingested outcomes as rows, streamed from the `o!` records: one batch in memory at a time. */
export async function readOutcomeRows(
  store: Store,
  max: number,
  groups = new RowGroups(),
): Promise<OutcomeRows> {
  const b = new OutcomeRowsBuilder(max, groups);
  for await (const batch of store.stream<CandidateOutcome>('arms', {
    prefix: 'o!',
    reverse: true,
    limit: max,
  }))
    for (const [, o] of batch) b.add(o);
  return b.done();
}

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
