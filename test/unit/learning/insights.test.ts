import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationContext, SizeBucket } from '../../../node/learning/context.js';
import { createLearning, renderInsights } from '../../../node/learning/index.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import type { SpanRecord } from '../../../node/telemetry/span-record.js';
import { arm, candidateSpan, tempStore } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** 1,000 candidate spans from a known world: naive packs fail on templates, doc_style=none loses docs, big contexts are harder. */
function world(count: number): SpanRecord[] {
  const random = seededRandom(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const sizes: SizeBucket[] = ['xs', 's', 'm'];
  const spans: SpanRecord[] = [];
  for (let i = 0; i < count; i++) {
    const language = pick(['typescript', 'python', 'go'] as const);
    const sizeBucket = pick(sizes);
    const context: GenerationContext = {
      language,
      generator: 'builtin',
      sizeBucket,
      hasEnums: sizeBucket !== 'xs',
      hasTemplates: sizeBucket === 'm',
      hasDeprecated: sizeBucket === 'm',
      hasMetrics: sizeBucket !== 'xs',
    };
    const naive = random() < 0.2;
    const params = { doc_style: pick(['full', 'brief', 'none']), layout: pick(['a', 'b']) };
    const a = arm(naive ? `naive-${language}` : `${language}-semconv`, params);
    let q =
      0.97 -
      (params.doc_style === 'none' ? 0.15 : 0) -
      (sizeBucket === 'm' ? 0.03 : 0) +
      (random() - 0.5) * 0.04;
    let compiled: 0 | 1 = 1;
    if (naive && context.hasTemplates) {
      q *= 0.3;
      compiled = 0;
    }
    spans.push(candidateSpan(context, a, Math.min(1, q), compiled, 1_700_000_000_000 + i * 1000));
  }
  return spans;
}

describe('insights', () => {
  it('mines 50+ rules from 1,000 generations, finds the planted ones informative, and is plain JSON', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const learning = createLearning({ store });
    expect((await learning.ingest(world(1000))).added).toBe(1000);

    const ins = await learning.insights();
    expect(ins.outcomes).toBe(1000);
    expect(ins.rules.thresholds).toMatchObject({ minSupport: 0.01, minConfidence: 0.6 });
    expect(ins.rules.total).toBeGreaterThanOrEqual(50);
    expect(ins.rules.informative).toBeGreaterThan(0);
    expect(ins.rules.informative).toBeLessThan(ins.rules.total);
    // the planted failure: a naive pack on a registry with templates. In this world templates=1,
    // deprecated=1 and size=m always go together, so the three rules rest on the same rows: one is
    // kept (informative), the others point to it
    const planted = ins.rules.top.find(
      (r) => r.informative && /^deprecated=1 & pack=naive-\w+ => compile_failure$/.test(r.text),
    );
    expect(planted).toMatchObject({ confidence: 1, count: expect.any(Number) });
    const all = (await learning.rules()).rules;
    const same = all.filter((r) => r.duplicateOf === planted?.text);
    expect(same.map((r) => r.antecedent.find((i) => !i.startsWith('pack=')))).toEqual(
      expect.arrayContaining(['size=m', 'templates=1']),
    );
    expect(same.every((r) => !r.informative && r.count === planted?.count)).toBe(true);
    // every informative rule beats its base rate and every shorter rule
    for (const r of ins.rules.top.filter((x) => x.informative)) {
      expect(r.lift).toBeGreaterThanOrEqual(1.2);
      expect(r.improvement).toBeGreaterThanOrEqual(0.05);
    }
    // the planted quality loss shows as the strongest negative param correlation
    const docNone = ins.correlations.find((c) => c.feature === 'param.doc_style=none');
    expect(docNone?.r).toBeLessThan(-0.2);
    expect(docNone?.meanWith).toBeLessThan(docNone?.meanWithout ?? 0);

    expect(ins.contexts).toHaveLength(9);
    for (const c of ins.contexts) {
      expect(c.best.length).toBeGreaterThan(0);
      expect(c.best[0].params.doc_style).not.toBe('none');
      expect(c.best[0].n).toBeGreaterThan(0);
    }
    expect(JSON.parse(JSON.stringify(ins))).toEqual(ins);

    const text = renderInsights(ins);
    expect(text).toMatch(
      /^WeaverGen insights: 1000 candidate outcomes in 9 contexts; \d+ rules \(support >= 0.01, confidence >= 0.6\)/,
    );
    expect(text).toContain('Informative rules:');
    expect(text).toContain('Correlations with q:');
    // the mining was kept for readers that do not mine
    expect(await store.get('rules', 'latest')).toMatchObject({ transactions: 1000, total: ins.rules.total });
  });

  it('is empty, not an error, before any generation', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const ins = await createLearning({ store }).insights();
    expect(ins).toMatchObject({
      outcomes: 0,
      contexts: [],
      rules: { total: 0 },
      correlations: [],
      promotions: [],
    });
    expect(renderInsights(ins)).toContain('0 candidate outcomes');
  });
});
