import { OUTCOME_LABELS, type OutcomeLabel } from './features.js';

/** One mining row: the features of a candidate and the outcome labels it earned. */
export interface Transaction {
  items: string[];
  labels: OutcomeLabel[];
  /** the outcome's quality, when known: rules then say how the rows holding their antecedent scored */
  q?: number;
}

/** An association rule `antecedent => consequent`, with its measures over the mined transactions. */
export interface Rule {
  antecedent: string[];
  consequent: OutcomeLabel;
  /** transactions holding antecedent and consequent */
  count: number;
  /** count / transactions */
  support: number;
  /** count / transactions holding the antecedent */
  confidence: number;
  /** confidence / base rate of the consequent: 1 means the antecedent tells nothing */
  lift: number;
  /** confidence minus the best confidence of any shorter rule (a proper subset, the empty one included) */
  improvement: number;
  /**
   * Set when another rule rests on exactly the same transactions (same rows for the antecedent and
   * for antecedent + consequent): e.g. `pack=typescript-semconv & X` when the pack implies the
   * language, or `X => low_quality` when every such row is a compile failure. Holds the rule kept.
   */
  duplicateOf?: string;
  /**
   * Quality of the rows holding the antecedent (those with a q): what an arm and context matching it
   * scored, which is what the optimizer takes from a failure rule as a prior (node/optimizer/steering.ts).
   */
  q?: { n: number; mean: number; sd: number };
  /**
   * lift >= minLift, improvement >= minImprovement and not a duplicate: not explained by the base
   * rate, by a shorter rule or by another rule on the same evidence.
   */
  informative: boolean;
}

export interface RuleThresholds {
  minSupport: number;
  /** and at least this many outcomes behind a rule: a rule resting on one or two rows is an anecdote */
  minCount: number;
  minConfidence: number;
  maxLength: number;
  minLift: number;
  minImprovement: number;
}

export const DEFAULT_RULE_THRESHOLDS: RuleThresholds = {
  minSupport: 0.01,
  minCount: 5,
  minConfidence: 0.6,
  maxLength: 3,
  minLift: 1.2,
  minImprovement: 0.05,
};

export interface RuleSet {
  transactions: number;
  thresholds: RuleThresholds;
  baseRates: Record<OutcomeLabel, number>;
  /** every rule above minSupport and minConfidence, informative first, then by lift */
  rules: Rule[];
  total: number;
  informative: number;
}

const SEP = '\u0000';
const Q_SLOT = 2 + 2 * OUTCOME_LABELS.length;

function qSummary(n: number, sum: number, sum2: number): { n: number; mean: number; sd: number } {
  const mean = sum / n;
  return { n, mean, sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) };
}

/**
 * Association rules from feature sets to outcome labels. Counting enumerates, per transaction, every
 * subset (up to maxLength) of its frequent items: with ~13 items a row that is under 400 subsets, so
 * tens of thousands of rows mine in about a second without an Apriori candidate pass. Every subset
 * of a counted set is counted too, which is what the improvement measure needs.
 */
export function mineRules(transactions: Transaction[], thresholds: Partial<RuleThresholds> = {}): RuleSet {
  const t = { ...DEFAULT_RULE_THRESHOLDS, ...thresholds };
  const total = transactions.length;
  const baseRates = Object.fromEntries(OUTCOME_LABELS.map((l) => [l, 0])) as Record<OutcomeLabel, number>;
  if (total === 0) return { transactions: 0, thresholds: t, baseRates, rules: [], total: 0, informative: 0 };
  const minCount = Math.max(1, t.minCount ?? 0, Math.ceil(t.minSupport * total));

  const single = new Map<string, number>();
  for (const tx of transactions) {
    for (const i of tx.items) single.set(i, (single.get(i) ?? 0) + 1);
    for (const l of tx.labels) baseRates[l]++;
  }
  // counts[set] = [rows, cover hash, then rows and cover hash with label 0, 1, 2, then rows with a q,
  // sum q, sum q^2]; the cover hash (a sum of per-row random values) tells two sets resting on the
  // same rows from two that do not
  const counts = new Map<string, number[]>();
  transactions.forEach((tx, row) => {
    const h = rowHash(row);
    const items = [...new Set(tx.items)].filter((i) => (single.get(i) ?? 0) >= minCount).sort();
    const labelIdx = tx.labels.map((l) => OUTCOME_LABELS.indexOf(l));
    const q = typeof tx.q === 'number' && Number.isFinite(tx.q) ? tx.q : undefined;
    forEachSubset(items, t.maxLength, (key) => {
      let c = counts.get(key);
      if (!c) {
        c = new Array(Q_SLOT + 3).fill(0);
        counts.set(key, c);
      }
      c[0]++;
      c[1] += h;
      for (const li of labelIdx) {
        c[2 + 2 * li]++;
        c[3 + 2 * li] += h;
      }
      if (q !== undefined) {
        c[Q_SLOT]++;
        c[Q_SLOT + 1] += q;
        c[Q_SLOT + 2] += q * q;
      }
    });
  });
  for (const l of OUTCOME_LABELS) baseRates[l] /= total;
  return rulesFromCounts(counts, total, t, baseRates, minCount);
}

/**
 * The counting of rule mining, as `mineRules` does it, for a caller that counts its own way
 * (node/learning/mine-rows.ts counts grouped rows): per item set (its items sorted, joined by SEP),
 * [rows, cover hash, then rows and cover hash with each label, then rows with a q, sum q, sum q^2].
 */
export type RuleCounts = Map<string, ArrayLike<number>>;
export const RULE_SEP = SEP;
export const RULE_COUNT_WIDTH = Q_SLOT + 3;

/** The rules of counted item sets: measures, improvement over every shorter rule, duplicates, order. */
export function rulesFromCounts(
  counts: RuleCounts,
  total: number,
  t: RuleThresholds,
  baseRates: Record<OutcomeLabel, number>,
  minCount: number,
): RuleSet {
  const rules: Rule[] = [];
  const evidence = new Map<Rule, string>();
  for (const [key, c] of counts) {
    if (c[0] < minCount) continue;
    const antecedent = key.split(SEP);
    OUTCOME_LABELS.forEach((label, li) => {
      const count = c[2 + 2 * li];
      if (count < minCount || baseRates[label] === 0) return;
      const confidence = count / c[0];
      if (confidence < t.minConfidence) return;
      let best = baseRates[label];
      forEachProperSubset(antecedent, (sub) => {
        const s = counts.get(sub);
        if (s && s[0] > 0) best = Math.max(best, s[2 + 2 * li] / s[0]);
      });
      const lift = confidence / baseRates[label];
      const improvement = confidence - best;
      const rule: Rule = {
        antecedent,
        consequent: label,
        count,
        support: count / total,
        confidence,
        lift,
        improvement,
        informative: lift >= t.minLift && improvement >= t.minImprovement,
        ...(c[Q_SLOT] > 0 ? { q: qSummary(c[Q_SLOT], c[Q_SLOT + 1], c[Q_SLOT + 2]) } : {}),
      };
      rules.push(rule);
      evidence.set(rule, `${c[0]}:${c[1]}:${count}:${c[3 + 2 * li]}`);
    });
  }
  markDuplicates(rules, evidence);
  rules.sort(
    (a, b) =>
      Number(b.informative) - Number(a.informative) ||
      b.lift - a.lift ||
      b.support - a.support ||
      a.antecedent.length - b.antecedent.length ||
      ruleText(a).localeCompare(ruleText(b)),
  );
  return {
    transactions: total,
    thresholds: t,
    baseRates,
    rules,
    total: rules.length,
    informative: rules.filter((r) => r.informative).length,
  };
}

/** Among rules on the same evidence, keeps the shortest (then the first label, then the first text); marks the others. */
function markDuplicates(rules: Rule[], evidence: Map<Rule, string>): void {
  const groups = new Map<string, Rule[]>();
  for (const r of rules) {
    const k = evidence.get(r) as string;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort(
      (a, b) =>
        a.antecedent.length - b.antecedent.length ||
        OUTCOME_LABELS.indexOf(a.consequent) - OUTCOME_LABELS.indexOf(b.consequent) ||
        ruleText(a).localeCompare(ruleText(b)),
    );
    const kept = ruleText(group[0]);
    for (const r of group.slice(1)) {
      r.duplicateOf = kept;
      r.informative = false;
    }
  }
}

/** A well-mixed 32-bit value per row (the murmur3 finalizer); sums of them identify sets of rows. */
export function rowHash(row: number): number {
  let h = Math.imul(row + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export const ruleText = (r: Pick<Rule, 'antecedent' | 'consequent'>) =>
  `${r.antecedent.join(' & ')} => ${r.consequent}`;

/** Calls `fn` with the key of every non-empty subset of sorted `items` up to `max` elements. */
export function forEachSubset(items: string[], max: number, fn: (key: string) => void): void {
  const pick: string[] = [];
  const walk = (from: number) => {
    for (let i = from; i < items.length; i++) {
      pick.push(items[i]);
      fn(pick.join(SEP));
      if (pick.length < max) walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
}

/** Every non-empty proper subset of `items` (already sorted), as keys. */
function forEachProperSubset(items: string[], fn: (key: string) => void): void {
  const n = items.length;
  for (let mask = 1; mask < (1 << n) - 1; mask++) fn(items.filter((_, i) => mask & (1 << i)).join(SEP));
}
