import { afterEach, describe, expect, it } from 'vitest';
import { contextKey } from '../../../node/learning/context.js';
import { createLearning } from '../../../node/learning/index.js';
import { type Arm, createOptimizer, enumerateArms } from '../../../node/optimizer/index.js';
import { builtinPacks } from '../../../node/packs/index.js';
import type { SpanRecord } from '../../../node/telemetry/span-record.js';
import { candidateSpan, TS_CONTEXT, tempStore } from '../learning/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const ctx = contextKey(TS_CONTEXT);
const find = (arms: Arm[], params: Record<string, string>) =>
  arms.find((a) => Object.entries(params).every(([k, v]) => a.params[k] === v)) as Arm;
const spans = (a: Arm, qs: number[]) => qs.map((q) => candidateSpan(TS_CONTEXT, a, q));
const ref = (s: SpanRecord) => s.spanId;

async function setup() {
  const { store, cleanup } = await tempStore();
  cleanups.push(cleanup);
  const learning = createLearning({ store });
  const optimizer = createOptimizer({ store, learning }, { seed: 1 });
  const arms = enumerateArms(await builtinPacks(), { language: 'typescript' });
  return { store, learning, optimizer, arms };
}

describe('promotion of a pack variant', () => {
  it('promotes a variant that beats the default once it has the evidence, once, with the span ids', async () => {
    const { store, learning, optimizer, arms } = await setup();
    const def = arms.find((a) => a.isDefault) as Arm;
    const brief = find(arms, { doc_style: 'brief', enum_style: 'constants', layout: 'official' });
    const none = find(arms, { doc_style: 'none', enum_style: 'constants', layout: 'official' });

    const defSpans = spans(def, [0.62, 0.6, 0.58, 0.61]);
    const briefSpans = spans(brief, [0.95, 0.97, 0.96, 0.94]);
    await learning.ingest([...defSpans, ...briefSpans, ...spans(none, [0.99, 0.99])]);
    // four outcomes each: below n >= 5, nothing happens however clear the gap
    expect(await optimizer.review(TS_CONTEXT, arms)).toEqual([]);
    expect(await optimizer.promoted(TS_CONTEXT, 'typescript-semconv')).toBeUndefined();

    const more = [...spans(def, [0.6]), ...spans(brief, [0.95])];
    await learning.ingest(more);
    const [d, ...rest] = await optimizer.review(TS_CONTEXT, arms);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      step: 'promotion',
      context: ctx,
      packName: 'typescript-semconv',
      packId: def.packId,
      choice: { params: brief.params, paramsHash: brief.paramsHash, n: 5, role: 'promoted' },
      alternatives: [{ params: def.params, n: 5, role: 'incumbent' }],
    });
    expect(d.choice.meanQ).toBeCloseTo(0.954, 3);
    expect(d.alternatives[0].pBetter).toBeGreaterThanOrEqual(0.95);
    expect(d.reason).toMatch(/beats the default .* P\(better\) = [01]\.\d{3} >= 0\.95/);
    expect([...d.evidence].sort()).toEqual([...defSpans, ...briefSpans, ...more].map(ref).sort());
    expect(Number.isFinite(d.at)).toBe(true);
    expect(await optimizer.promoted(TS_CONTEXT, 'typescript-semconv')).toEqual(brief.params);

    // reviewing again, even twice at once, records nothing new
    const again = await Promise.all([optimizer.review(TS_CONTEXT, arms), optimizer.review(ctx, arms)]);
    expect(again.flat()).toEqual([]);
    const recorded = await store.scan('decisions', { prefix: 'promotion!' });
    expect(recorded).toHaveLength(1);
    expect(await optimizer.promotions(TS_CONTEXT)).toEqual([d]);
    // and insights show it
    const ins = await learning.insights();
    expect(ins.promotions).toEqual([d]);
    expect(ins.contexts[0].promoted).toEqual([
      expect.objectContaining({ packName: 'typescript-semconv', params: brief.params }),
    ]);

    // a variant that beats the promoted one is promoted in turn, against it (not against the default)
    // (a 0.04 gain over n = 5 is not yet enough: the prior still counts; n = 20 is)
    await learning.ingest(spans(none, [0.99, 0.99, 0.99]));
    expect(await optimizer.review(TS_CONTEXT, arms)).toEqual([]);
    await learning.ingest(spans(none, Array(15).fill(0.99)));
    const [next] = await optimizer.review(TS_CONTEXT, arms);
    expect(next).toMatchObject({ choice: { params: none.params, n: 20 } });
    expect(next.alternatives.map((a) => [a.params, a.role])).toEqual([
      [brief.params, 'incumbent'],
      [def.params, 'other'],
    ]);
    expect(next.reason).toContain('the variant promoted before');
    expect(await optimizer.promoted(TS_CONTEXT, 'typescript-semconv')).toEqual(none.params);
    expect(await optimizer.promotions()).toHaveLength(2);
  });

  it('keeps the default when the challenger is not clearly better', async () => {
    const { learning, optimizer, arms } = await setup();
    const def = arms.find((a) => a.isDefault) as Arm;
    const other = find(arms, { doc_style: 'brief', enum_style: 'object', layout: 'official' });
    // near tie: a 0.005 gain is certain after 40 steady outcomes, yet below the minimum gain of 0.01
    await learning.ingest([...spans(def, Array(40).fill(0.99)), ...spans(other, Array(40).fill(0.995))]);
    expect(await optimizer.review(TS_CONTEXT, arms)).toEqual([]);
    // noisy: 0.85 vs 0.8 with a wide spread after 6 outcomes each
    const ctx2 = { ...TS_CONTEXT, sizeBucket: 'm' as const };
    const noisy = (a: Arm, qs: number[]) => qs.map((q) => candidateSpan(ctx2, a, q));
    await learning.ingest([
      ...noisy(def, [0.5, 1, 0.6, 1, 0.7, 1]),
      ...noisy(other, [0.9, 0.8, 1, 0.7, 1, 0.7]),
    ]);
    expect(await optimizer.review(ctx2, arms)).toEqual([]);
    expect(await optimizer.promotions()).toEqual([]);
  });
});
