import { afterEach, describe, expect, it } from 'vitest';
import { costOf, createLearning, outcomeFromSpan } from '../../../node/learning/index.js';
import { mineRules } from '../../../node/learning/rules.js';
import { arm, candidateSpan, TS_CONTEXT, tempStore } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const gpt = arm('typescript-prompt', { detail: 'full' }, 'openai:gpt-4o-mini');

describe('cost in the learning', () => {
  it('reads tokens and cost from the span attributes the orchestra writes', () => {
    const span = candidateSpan(TS_CONTEXT, gpt, 0.9, 1, 1_700_000_000_000, {
      inputTokens: 12_000,
      outputTokens: 3_000,
      costUsd: 0.0036,
    });
    expect(span.attributes['weavergen.model.cost_usd']).toBe(0.0036);
    expect(outcomeFromSpan(span)?.usage).toEqual({
      inputTokens: 12_000,
      outputTokens: 3_000,
      costUsd: 0.0036,
    });
    // a model without a price reports cost 0: unknown, not free
    const unpriced = { ...span, attributes: { ...span.attributes, 'weavergen.model.priced': false } };
    expect(outcomeFromSpan(unpriced)?.usage).toBeUndefined();
    expect(outcomeFromSpan(candidateSpan(TS_CONTEXT, gpt, 0.9))?.usage).toBeUndefined();
  });

  it('keeps the cost per candidate in the arm statistics', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const learning = createLearning({ store });
    await learning.ingest([
      candidateSpan(TS_CONTEXT, gpt, 0.9, 1, 1_700_000_000_000, {
        inputTokens: 1000,
        outputTokens: 500,
        costUsd: 0.01,
      }),
      candidateSpan(TS_CONTEXT, gpt, 0.8, 1, 1_700_000_000_000, {
        inputTokens: 3000,
        outputTokens: 500,
        costUsd: 0.03,
      }),
      // a span recorded without usage counts for q, not for the cost
      candidateSpan(TS_CONTEXT, gpt, 0.7),
    ]);
    const [s] = await learning.armStats(TS_CONTEXT);
    expect(s).toMatchObject({ n: 3, costN: 2, sumInputTokens: 4000, sumOutputTokens: 1000 });
    expect(s.sumCostUsd).toBeCloseTo(0.04, 12);
    expect(costOf(s)).toBeCloseTo(0.02, 12);
    expect(costOf({ costN: undefined, sumCostUsd: undefined })).toBeUndefined();
  });
});

describe('rules with the quality of their rows', () => {
  it('summarize q over the rows holding the antecedent, when transactions carry it', () => {
    const set = mineRules(
      [
        { items: ['A', 'B'], labels: ['compile_failure', 'low_quality'], q: 0.2 },
        { items: ['A', 'B'], labels: ['compile_failure', 'low_quality'], q: 0.3 },
        { items: ['A'], labels: ['high_quality'], q: 1 },
        { items: ['B'], labels: ['high_quality'], q: 0.9 },
      ],
      { minSupport: 0.1, minCount: 1, minConfidence: 0.6 },
    );
    const ab = set.rules.find((r) => r.antecedent.join() === 'A,B' && r.consequent === 'compile_failure');
    expect(ab?.q?.n).toBe(2);
    expect(ab?.q?.mean).toBeCloseTo(0.25, 12);
    expect(ab?.q?.sd).toBeCloseTo(0.05, 12);
    const a = set.rules.find((r) => r.antecedent.join() === 'A' && r.consequent === 'compile_failure');
    expect(a?.q?.mean).toBeCloseTo(0.5, 12);
    const bare = mineRules([{ items: ['A'], labels: ['high_quality'] }], { minSupport: 0, minCount: 1 });
    expect(bare.rules[0].q).toBeUndefined();
  });
});
