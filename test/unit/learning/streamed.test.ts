import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArmStats } from '../../../node/learning/arm-stats.js';
import type { GenerationContext, SizeBucket } from '../../../node/learning/context.js';
import { correlate } from '../../../node/learning/correlations.js';
import {
  type CandidateOutcome,
  candidateAttributes,
  contextAttributes,
  featuresOf,
  labelsOf,
  outcomeFromSpan,
} from '../../../node/learning/features.js';
import { createLearning } from '../../../node/learning/index.js';
import { buildInsights } from '../../../node/learning/insights.js';
import { correlateOf, mineRulesOf } from '../../../node/learning/mine-rows.js';
import { mineRules, type RuleThresholds } from '../../../node/learning/rules.js';
import { outcomeRows } from '../../../node/learning/window.js';
import { seededRandom } from '../../../node/optimizer/random.js';
import type { Store } from '../../../node/storage/index.js';
import { ATTR, SPAN } from '../../../node/telemetry/conventions.js';
import { createTelemetry } from '../../../node/telemetry/index.js';
import { type SpanRecord, timeKey } from '../../../node/telemetry/span-record.js';
import { arm, tempStore } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const T0 = 1_750_000_000_000;

/**
 * A seeded store written through the product's path (tracer, batch processor, LevelDB exporter):
 * generations over several contexts and arms with candidate, validate and generation spans, cached
 * candidates, failed and cancelled ones, model arms with costs, and a span that is no candidate but
 * carries a candidate's name in an attribute (the sync reads raw records before decoding them).
 */
async function seededStore(store: Store, generations: number, seed = 11, from = 0): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const telemetry = await createTelemetry({ store });
  const sizes: SizeBucket[] = ['xs', 's', 'm', 'l'];
  for (let g = from; g < from + generations; g++) {
    const model = random() < 0.25;
    const context: GenerationContext = {
      language: pick(['typescript', 'python', 'go'] as const),
      generator: model ? 'openai' : 'builtin',
      sizeBucket: pick(sizes),
      hasEnums: random() < 0.7,
      hasTemplates: random() < 0.3,
      hasDeprecated: random() < 0.5,
      hasMetrics: random() < 0.5,
    };
    const at = T0 + g * 10_000;
    const id = `g${g}`;
    const root = telemetry.tracer.startSpan(SPAN.generation, {
      startTime: at,
      attributes: {
        [ATTR.generationId]: id,
        // no candidate, though its text holds a candidate's name
        [ATTR.reason]: `retried after "name":"${SPAN.candidate}" failed`,
      },
    });
    const parent = trace.setSpan(ROOT_CONTEXT, root);
    for (let i = 0; i < 3; i++) {
      const params = { doc_style: pick(['full', 'brief', 'none']), naming: pick(['camel', 'snake']) };
      const a = model
        ? arm(`${context.language}-prompt`, { style: pick(['guided', 'terse']) }, pick(['gpt-a', 'gpt-b']))
        : arm(`${context.language}-semconv`, params);
      const q = Math.min(
        1,
        Math.max(
          0,
          0.9 -
            (params.doc_style === 'none' ? 0.3 : 0) -
            (context.sizeBucket === 'l' ? 0.2 : 0) +
            (random() - 0.5) * 0.4,
        ),
      );
      const compiled = q < 0.35 && random() < 0.7 ? 0 : 1;
      const start = at + 10 + i * 100;
      const c = telemetry.tracer.startSpan(
        SPAN.candidate,
        {
          startTime: start,
          attributes: {
            [ATTR.generationId]: id,
            ...candidateAttributes(
              context,
              a,
              {
                q,
                components: {
                  compiled,
                  completeness: q,
                  naming: 1,
                  documentation: q,
                  deprecation: 1,
                  warnings: 1,
                },
              },
              model
                ? { inputTokens: 1000, outputTokens: 300, costUsd: Math.round(random() * 100) / 10_000 }
                : undefined,
            ),
            [ATTR.cached]: !model && random() < 0.05,
          },
        },
        parent,
      );
      const fate = random();
      if (fate < 0.03) c.setStatus({ code: SpanStatusCode.ERROR, message: 'cancelled' });
      else if (fate < 0.06) {
        c.setStatus({ code: SpanStatusCode.ERROR, message: 'render failed' });
        c.setAttributes({ [ATTR.quality]: 0, [ATTR.qCompiled]: 0 });
      }
      telemetry.tracer
        .startSpan(
          SPAN.validate,
          { startTime: start + 5, attributes: { ...contextAttributes(context), [ATTR.quality]: q } },
          trace.setSpan(parent, c),
        )
        .end(start + 50);
      c.end(start + 60);
    }
    root.end(at + 400);
    if (g % 100 === 0) await telemetry.flush();
  }
  await telemetry.shutdown();
}

/** The straightforward computation: every span in memory, candidates in time order, ingested at once. */
async function everyCandidate(store: Store): Promise<SpanRecord[]> {
  const spans = (await store.scan<SpanRecord>('spans')).map(([, s]) => s);
  return spans
    .filter((s) => s.name === SPAN.candidate)
    .sort((a, b) => {
      const ka = timeKey(a.startTime, a.traceId, a.spanId);
      const kb = timeKey(b.startTime, b.traceId, b.spanId);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

/** The newest `max` outcomes, loaded whole. */
async function newest(store: Store, max: number): Promise<CandidateOutcome[]> {
  return (await store.scan<CandidateOutcome>('arms', { prefix: 'o!', reverse: true, limit: max })).map(
    ([, o]) => o,
  );
}

const byKey = (stats: ArmStats[]) =>
  [...stats].sort((a, b) => `${a.contextKey}!${a.armKey}`.localeCompare(`${b.contextKey}!${b.armKey}`));

describe('streamed learning gives the straightforward computation, exactly', () => {
  it('sync, rules, correlations and insights over a seeded store', async () => {
    const a = await tempStore();
    const b = await tempStore();
    cleanups.push(a.cleanup, b.cleanup);
    await seededStore(a.store, 1200);
    const max = 2000;
    const thresholds: Partial<RuleThresholds> = { minSupport: 0.005, minConfidence: 0.4 };

    // arm statistics: sync (pages of the time index, raw records, candidates decoded) against every
    // candidate span loaded and ingested in time order into another store
    const streamed = createLearning({ store: a.store }, { maxTransactions: max, rules: thresholds });
    const synced = await streamed.sync();
    const candidates = await everyCandidate(a.store);
    const straight = createLearning({ store: b.store }, { maxTransactions: max, rules: thresholds });
    const ingested = await straight.ingest(candidates);
    expect(synced.candidates).toBe(candidates.filter((s) => outcomeFromSpan(s)).length);
    expect(synced.added).toBe(ingested.added);
    expect(byKey(await streamed.allArmStats())).toEqual(byKey(await straight.allArmStats()));
    // the window is smaller than the outcomes, so which outcomes it holds matters
    expect(ingested.added).toBeGreaterThan(max);

    // rules and correlations over the newest `max` outcomes, loaded whole and mined as before
    const outcomes = await newest(a.store, max);
    const expectedRules = mineRules(
      outcomes.map((o) => ({ items: featuresOf(o), labels: labelsOf(o), q: o.q })),
      thresholds,
    );
    const expectedCorrelations = correlate(outcomes.map((o) => ({ items: featuresOf(o), q: o.q })));
    const rules = await streamed.rules();
    expect(rules).toEqual(expectedRules);
    expect(rules.rules.length).toBeGreaterThan(50);
    expect(rules.rules.filter((r) => r.duplicateOf).length).toBeGreaterThan(0);
    expect(await streamed.correlations()).toEqual(expectedCorrelations);
    expect(expectedCorrelations.length).toBeGreaterThan(10);

    const insights = await streamed.insights();
    const expectedInsights = buildInsights({
      stats: await straight.allArmStats(),
      rules: expectedRules,
      correlations: expectedCorrelations,
      promotions: [],
      promoted: [],
      successThreshold: streamed.successThreshold,
      topArms: 3,
      topRules: 20,
      topCorrelations: 10,
    });
    expect({ ...insights, generatedAt: '' }).toEqual({ ...expectedInsights, generatedAt: '' });

    // more generations, each ingested as the node does after it ran: the window moves with them,
    // kept up to date in memory (no read of the outcomes), and still gives the straightforward result
    const stream = a.store.stream.bind(a.store);
    let reads = 0;
    a.store.stream = (name, opts) => {
      if (name === 'arms' && opts?.prefix === 'o!') reads++;
      return stream(name, opts);
    };
    await seededStore(a.store, 300, 12, 1200);
    for (let g = 1200; g < 1500; g++) {
      await streamed.ingestGeneration(`g${g}`);
      if (g % 50 === 0) await streamed.insights();
    }
    const later = await newest(a.store, max);
    expect(later[0].spanId).not.toBe(outcomes[0].spanId);
    const expectLater = (o: CandidateOutcome[]) => ({
      rules: mineRules(
        o.map((x) => ({ items: featuresOf(x), labels: labelsOf(x), q: x.q })),
        thresholds,
      ),
      correlations: correlate(o.map((x) => ({ items: featuresOf(x), q: x.q }))),
    });
    expect({ rules: await streamed.rules(), correlations: await streamed.correlations() }).toEqual(
      expectLater(later),
    );
    expect(reads).toBe(0);

    // an older outcome ingested late belongs inside the window, not in front: the rows are read again
    const late = candidates.filter((c) => outcomeFromSpan(c)).at(-1) as SpanRecord;
    const older: SpanRecord = {
      ...late,
      spanId: 'late0000000000ff',
      startTime: late.startTime - 5_000,
      endTime: late.endTime - 5_000,
    };
    expect((await streamed.ingest([older])).added).toBe(1);
    expect({ rules: await streamed.rules(), correlations: await streamed.correlations() }).toEqual(
      expectLater(await newest(a.store, max)),
    );
    expect(reads).toBe(1);
  });

  it('rows give mineRules and correlate exactly, default thresholds and edge cases included', async () => {
    const a = await tempStore();
    cleanups.push(a.cleanup);
    await seededStore(a.store, 400, 5);
    const learning = createLearning({ store: a.store });
    await learning.sync();
    const outcomes = await newest(a.store, 100_000);
    const tx = outcomes.map((o) => ({ items: featuresOf(o), labels: labelsOf(o), q: o.q }));
    for (const t of [{}, { maxLength: 2 }, { minSupport: 0.2 }, { minCount: 1, minSupport: 0 }])
      expect(mineRulesOf(outcomeRows(outcomes), t)).toEqual(mineRules(tx, t));
    expect(correlateOf(outcomeRows(outcomes))).toEqual(correlate(tx));
    // a window smaller than the outcomes keeps the newest
    expect(mineRulesOf(outcomeRows(outcomes, 50))).toEqual(mineRules(tx.slice(0, 50)));
    // nothing, and a single row
    expect(mineRulesOf(outcomeRows([]))).toEqual(mineRules([]));
    expect(correlateOf(outcomeRows(outcomes.slice(0, 1)))).toEqual(correlate(tx.slice(0, 1)));
  });
});
