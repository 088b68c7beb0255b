import type { Store } from '../storage/index.js';
import { outcomeKey } from './arm-stats.js';
import {
  type CandidateOutcome,
  featuresOf,
  labelsOf,
  OUTCOME_LABELS,
  type OutcomeLabel,
} from './features.js';

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
