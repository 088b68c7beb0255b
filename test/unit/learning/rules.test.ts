import { describe, expect, it } from 'vitest';
import { correlate, pearson } from '../../../node/learning/correlations.js';
import type { OutcomeLabel } from '../../../node/learning/features.js';
import { mineRules, type Rule, type Transaction } from '../../../node/learning/rules.js';

// Ten hand-made rows; X is in every row (like generator=builtin), so it can never inform.
const rows: [string[], OutcomeLabel[]][] = [
  [['A', 'B'], ['compile_failure']],
  [['A', 'B'], ['compile_failure']],
  [['A', 'B'], ['compile_failure']],
  [['A', 'C'], ['compile_failure']],
  [['A', 'C'], ['high_quality']],
  [['B', 'C'], ['high_quality']],
  [['B'], ['high_quality']],
  [['C'], ['high_quality']],
  [['C'], ['high_quality']],
  [['B', 'C'], ['high_quality']],
];
const transactions: Transaction[] = rows.map(([items, labels]) => ({ items: [...items, 'X'], labels }));

const find = (rules: Rule[], antecedent: string[], consequent: OutcomeLabel) =>
  rules.find((r) => r.consequent === consequent && r.antecedent.join() === [...antecedent].sort().join());

describe('association rules', () => {
  const set = mineRules(transactions, { minSupport: 0.1, minCount: 1, minConfidence: 0.6 });

  it('computes support, confidence, lift and improvement from the counts', () => {
    expect(set.transactions).toBe(10);
    expect(set.baseRates).toEqual({ compile_failure: 0.4, low_quality: 0, high_quality: 0.6 });
    // A in 5 rows, 4 of them failed: base rate 0.4
    expect(find(set.rules, ['A'], 'compile_failure')).toMatchObject({
      count: 4,
      support: 0.4,
      confidence: 0.8,
      lift: 2,
      informative: true,
    });
    expect(find(set.rules, ['A'], 'compile_failure')?.improvement).toBeCloseTo(0.4, 12);
    // A & B: 3 rows, all failed; the best shorter rule is A => failure at 0.8
    const ab = find(set.rules, ['A', 'B'], 'compile_failure');
    expect(ab).toMatchObject({ count: 3, support: 0.3, confidence: 1, informative: true });
    expect(ab?.lift).toBeCloseTo(2.5, 12);
    expect(ab?.improvement).toBeCloseTo(0.2, 12);
    // C in 6 rows, 5 high quality
    const c = find(set.rules, ['C'], 'high_quality');
    expect(c?.support).toBe(0.5);
    expect(c?.confidence).toBeCloseTo(5 / 6, 12);
    expect(c?.lift).toBeCloseTo(5 / 6 / 0.6, 12);
    const bc = find(set.rules, ['B', 'C'], 'high_quality');
    expect(bc).toMatchObject({ count: 2, support: 0.2, confidence: 1 });
    expect(bc?.improvement).toBeCloseTo(1 / 6, 12);
  });

  it('leaves out rules under the confidence threshold or without a label', () => {
    expect(find(set.rules, ['B'], 'compile_failure')).toBeUndefined(); // 3/6 = 0.5
    expect(find(set.rules, ['A', 'C'], 'compile_failure')).toBeUndefined(); // 1/2
    expect(set.rules.some((r) => r.consequent === 'low_quality')).toBe(false);
    const stricter = mineRules(transactions, { minSupport: 0.25, minCount: 1, minConfidence: 0.6 });
    expect(find(stricter.rules, ['B', 'C'], 'high_quality')).toBeUndefined(); // support 0.2
    expect(find(stricter.rules, ['A', 'B'], 'compile_failure')).toBeDefined();
  });

  it('marks rules explained by the base rate or by a shorter rule as not informative', () => {
    const x = find(set.rules, ['X'], 'high_quality');
    expect(x).toMatchObject({ confidence: 0.6, lift: 1, informative: false });
    const ax = find(set.rules, ['A', 'X'], 'compile_failure');
    expect(ax).toMatchObject({
      confidence: 0.8,
      lift: 2,
      informative: false,
      duplicateOf: 'A => compile_failure',
    });
    expect(ax?.improvement).toBeCloseTo(0, 12);
    expect(find(set.rules, ['A'], 'compile_failure')?.duplicateOf).toBeUndefined();
    expect(set.informative).toBe(set.rules.filter((r) => r.informative).length);
    expect(set.rules.slice(0, set.informative).every((r) => r.informative)).toBe(true);
    expect(set.total).toBe(set.rules.length);
  });

  it('marks rules resting on the same rows as duplicates of the shortest, across labels too', () => {
    // every compile failure is also low quality, and P implies Q: the evidence is the same
    const tx: Transaction[] = [
      ...Array(4).fill({ items: ['P', 'Q'], labels: ['compile_failure', 'low_quality'] }),
      ...Array(6).fill({ items: ['R'], labels: ['high_quality'] }),
    ];
    const rules = mineRules(tx, { minSupport: 0.1, minCount: 1 }).rules;
    const kept = find(rules, ['P'], 'compile_failure');
    expect(kept).toMatchObject({ informative: true, confidence: 1, lift: 2.5 });
    expect(kept?.duplicateOf).toBeUndefined();
    expect(find(rules, ['P'], 'low_quality')).toMatchObject({
      duplicateOf: 'P => compile_failure',
      informative: false,
    });
    expect(find(rules, ['Q'], 'compile_failure')).toMatchObject({
      duplicateOf: 'P => compile_failure',
      informative: false,
    });
    expect(find(rules, ['P', 'Q'], 'low_quality')).toMatchObject({ duplicateOf: 'P => compile_failure' });
    expect(find(rules, ['R'], 'high_quality')).toMatchObject({ informative: true });
    expect(rules.filter((r) => r.informative)).toHaveLength(2);
  });

  it('handles no transactions', () => {
    expect(mineRules([])).toMatchObject({ transactions: 0, total: 0, rules: [] });
  });
});

describe('correlations with quality', () => {
  it('is the Pearson correlation of a feature indicator with q', () => {
    const data = [
      { items: ['a', 'size=xs'], q: 1 },
      { items: ['a', 'size=s'], q: 1 },
      { items: ['b', 'size=m'], q: 0 },
      { items: ['b', 'size=l'], q: 0.5 },
    ];
    const out = correlate(data, 1);
    const a = out.find((c) => c.feature === 'a');
    expect(a?.r).toBeCloseTo(pearson([1, 1, 0, 0], [1, 1, 0, 0.5]) ?? Number.NaN, 12);
    expect(a?.r).toBeCloseTo(0.9045, 4);
    expect(a).toMatchObject({ n: 2, meanWith: 1, meanWithout: 0.25 });
    expect(out.find((c) => c.feature === 'b')?.r).toBeCloseTo(-(a?.r ?? 0), 12);
    expect(out.find((c) => c.feature.startsWith('size ('))?.r).toBeCloseTo(
      pearson([0, 1, 2, 3], [1, 1, 0, 0.5]) ?? Number.NaN,
      12,
    );
    // too rare (below minCount on one side): left out
    expect(correlate(data, 3)).toEqual([expect.objectContaining({ feature: 'size (rank xs..xl)' })]);
  });
});

describe('rule evidence floor', () => {
  it('mines no rule from fewer outcomes than minCount, however confident', () => {
    const tx: Transaction[] = [
      { items: ['language=go'], labels: ['high_quality'] },
      { items: ['language=go'], labels: ['high_quality'] },
    ];
    expect(mineRules(tx).rules).toEqual([]);
    expect(mineRules(tx, { minCount: 2 }).rules.length).toBeGreaterThan(0);
  });
});
