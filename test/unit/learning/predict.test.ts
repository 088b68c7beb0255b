import { afterEach, describe, expect, it } from 'vitest';
import { contextKey } from '../../../node/learning/context.js';
import { type CandidateOutcome, createLearning, outcomeFromSpan } from '../../../node/learning/index.js';
import { createQualityPredictor } from '../../../node/learning/predict.js';
import { ATTR } from '../../../node/telemetry/conventions.js';
import { arm, candidateSpan, TS_CONTEXT, tempStore } from './helpers.js';

/** the mean-shrinkage settings these tests' arithmetic was written for */
const MEAN = { estimator: 'mean', strength: 0.5 } as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const BIG = { ...TS_CONTEXT, sizeBucket: 'l' as const };
const full = arm('typescript-semconv', { doc_style: 'full' });
const none = arm('typescript-semconv', { doc_style: 'none' });
const gpt = arm('typescript-prompt', { style: 'plain' }, 'openai:gpt-4o-mini');

/** Outcomes as learning reads them back from candidate spans (attempt included). */
function outcomes(
  rows: { context?: typeof TS_CONTEXT; arm: typeof full; q: number; correction?: boolean }[],
): CandidateOutcome[] {
  return rows.map((r) => {
    const span = candidateSpan(r.context ?? TS_CONTEXT, r.arm, r.q);
    if (r.correction) span.attributes[ATTR.attempt] = 'correction';
    return outcomeFromSpan(span)!;
  });
}

const query = (a: typeof full, context = TS_CONTEXT, attempt: 'first' | 'correction' = 'first') => ({
  contextKey: contextKey(context),
  language: context.language,
  sizeBucket: context.sizeBucket,
  arm: a,
  attempt,
});

describe('quality prediction', () => {
  it('by default predicts the weighted median: where an arm compiles most of the time, the usual outcome', () => {
    // six answers near 1 and two that did not compile: the mean (0.79) is near neither
    const rows = [1, 0.98, 0.97, 0.96, 0.99, 1, 0.2, 0.25].map((q) => ({ arm: gpt, q }));
    const median = createQualityPredictor(outcomes(rows)).predict(query(gpt));
    expect(median.q).toBeGreaterThan(0.95);
    const mean = createQualityPredictor(outcomes(rows), MEAN).predict(query(gpt));
    expect(mean.q).toBeLessThan(0.85);
  });

  it('with no evidence answers the prior and says so', () => {
    const p = createQualityPredictor([]).predict(query(full));
    expect(p).toEqual({ q: 0.5, n: 0, basis: 'no evidence yet (prior)' });
  });

  it("keeps a model's first answers apart from its answers to feedback", () => {
    const rows = [1, 2, 3, 4].flatMap(() => [
      { arm: gpt, q: 0.3 },
      { arm: gpt, q: 1, correction: true },
    ]);
    const predictor = createQualityPredictor(outcomes(rows));
    const first = predictor.predict(query(gpt));
    const fixed = predictor.predict(query(gpt, TS_CONTEXT, 'correction'));
    expect(first.q).toBeCloseTo(0.3, 1);
    expect(fixed.q).toBeGreaterThan(0.9);
    expect(first).toMatchObject({ n: 4, basis: 'this arm in this context, first answers' });
    expect(fixed.basis).toBe('this arm in this context, answers to feedback');
    // the arm's plain mean (0.65) would have been wrong by more than 0.1 for every one of them
    expect(Math.abs(first.q - 0.65)).toBeGreaterThan(0.1);
  });

  it('backs off to the arm in other contexts, then to the generator in the language', () => {
    const predictor = createQualityPredictor(
      outcomes([
        { arm: full, q: 1 },
        { arm: full, q: 1 },
        { arm: full, q: 1 },
        { arm: none, q: 0.8 },
        { arm: none, q: 0.8 },
        { arm: none, q: 0.8 },
      ]),
      MEAN,
    );
    // never run on a big registry: what the arm did on small ones
    const elsewhere = predictor.predict(query(full, BIG));
    expect(elsewhere.basis).toBe('this arm in any context, first answers');
    expect(elsewhere.q).toBeGreaterThan(0.93);
    const other = predictor.predict(query(none, BIG));
    expect(other.q).toBeLessThan(0.85);
    // a variant never run at all: the builtin generator's record in TypeScript
    const unseen = predictor.predict(query(arm('typescript-semconv', { doc_style: 'brief' }), BIG));
    expect(unseen.basis).toBe('this generator in the language, first answers');
    expect(unseen.q).toBeCloseTo(0.9, 1);
  });

  it('leans on the parent level when an arm has one outcome in the context', () => {
    const rows = [
      ...[1, 2, 3, 4, 5, 6].map(() => ({ arm: full, q: 1, context: BIG })),
      { arm: full, q: 0.5 },
    ];
    const p = createQualityPredictor(outcomes(rows), MEAN).predict(query(full));
    expect(p.n).toBe(1);
    // one 0.5 moves the estimate most of the way, but six 1.0 on big registries still count
    expect(p.q).toBeGreaterThan(0.52);
    expect(p.q).toBeLessThan(0.75);
    // a stronger pull towards the parent trusts the single outcome less
    const cautious = createQualityPredictor(outcomes(rows), { ...MEAN, strength: 2 }).predict(query(full));
    expect(cautious.q).toBeGreaterThan(p.q + 0.1);
  });

  it('reads spans recorded before attempts were labelled: a model arm asked again in its generation was corrected', () => {
    const rows = [1, 2, 3].flatMap((g) =>
      [0.3, 1].map((q, i) => {
        const span = candidateSpan(TS_CONTEXT, gpt, q, 1, 1_700_000_000_000 + g * 1000 + i * 100);
        span.attributes['weavergen.generation.id'] = `old-${g}`;
        return outcomeFromSpan(span)!;
      }),
    );
    expect(rows.every((o) => o.attempt === undefined)).toBe(true);
    const predictor = createQualityPredictor(rows);
    expect(predictor.predict(query(gpt)).q).toBeLessThan(0.4);
    expect(predictor.predict(query(gpt, TS_CONTEXT, 'correction')).q).toBeGreaterThan(0.9);
  });

  it('is rebuilt by learning when new outcomes arrive', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const learning = createLearning({ store });
    const before = await learning.predictor();
    expect(before.size).toBe(0);
    expect(await learning.predictor()).toBe(before);
    await learning.ingest([candidateSpan(TS_CONTEXT, full, 0.2), candidateSpan(TS_CONTEXT, full, 0.2)]);
    const after = await learning.predictor();
    expect(after.size).toBe(2);
    expect(after.predict(query(full)).q).toBeLessThan(0.4);
  });
});
