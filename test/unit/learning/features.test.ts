import { context as otelContext, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLearning, featuresOf, labelsOf } from '../../../node/learning/index.js';
import { ATTR, SPAN } from '../../../node/telemetry/conventions.js';
import { createSpanQueries, createTelemetry } from '../../../node/telemetry/index.js';
import { tempStore } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The attributes the facade writes on a candidate span, spelled out (not through our own helper). */
const candidate = (generationId: string, q: number, compiled: number) => ({
  [ATTR.generationId]: generationId,
  [ATTR.contextKey]: 'python|builtin|m|e1t0d1m1',
  [ATTR.contextLanguage]: 'python',
  [ATTR.contextGenerator]: 'builtin',
  [ATTR.contextSize]: 'm',
  [ATTR.contextEnums]: true,
  [ATTR.contextTemplates]: false,
  [ATTR.contextDeprecated]: true,
  [ATTR.contextMetrics]: true,
  [ATTR.armKey]: 'bafkpack:abc123:builtin',
  [ATTR.armPackId]: 'bafkpack',
  [ATTR.armPackName]: 'python-semconv',
  [ATTR.armParams]: JSON.stringify({ layout: 'flat', doc_style: 'none', enum_style: 'enum' }),
  [ATTR.armParamsHash]: 'abc123',
  [ATTR.armModel]: 'builtin',
  [ATTR.quality]: q,
  [ATTR.qCompiled]: compiled,
  [ATTR.qCompleteness]: 1,
  [ATTR.qNaming]: 1,
  [ATTR.qDocumentation]: 0,
  [ATTR.qDeprecation]: 1,
  [ATTR.qWarnings]: 1,
  [ATTR.validationStatus]: 'passed',
});

describe('features from real spans', () => {
  it('reads each candidate outcome back from spans a real tracer wrote to LevelDB', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const telemetry = await createTelemetry({ store });
    cleanups.unshift(() => telemetry.shutdown());
    const { tracer } = telemetry;

    const generation = tracer.startSpan(SPAN.generation, { attributes: { [ATTR.generationId]: 'gen-1' } });
    const parent = trace.setSpan(otelContext.active(), generation);
    const c1 = tracer.startSpan(SPAN.candidate, { attributes: candidate('gen-1', 0.85, 1) }, parent);
    // the validate child carries the same quality attributes: it must not count as a second outcome
    const v1 = tracer.startSpan(
      SPAN.validate,
      { attributes: candidate('gen-1', 0.85, 1) },
      trace.setSpan(parent, c1),
    );
    v1.end();
    c1.end();
    const c2 = tracer.startSpan(SPAN.candidate, { attributes: candidate('gen-1', 0.12, -1) }, parent);
    c2.end();
    // a candidate that failed before validation: no quality, status ERROR
    const { [ATTR.quality]: _q, ...noQuality } = candidate('gen-1', 0, 0);
    const c3 = tracer.startSpan(SPAN.candidate, { attributes: noQuality }, parent);
    c3.setStatus({ code: SpanStatusCode.ERROR, message: 'template render failed' });
    c3.end();
    generation.end();
    await telemetry.flush();

    const spans = await createSpanQueries(store).byGeneration('gen-1');
    expect(spans.map((s) => s.name).sort()).toEqual([
      SPAN.candidate,
      SPAN.candidate,
      SPAN.candidate,
      SPAN.generation,
      SPAN.validate,
    ]);

    const learning = createLearning({ store });
    const r = await learning.ingest(spans);
    expect(r).toMatchObject({
      candidates: 3,
      added: 3,
      duplicates: 0,
      contexts: ['python|builtin|m|e1t0d1m1'],
    });
    const outcomes = (await learning.outcomes()).sort((a, b) => b.q - a.q);
    expect(outcomes.map((o) => [o.q, o.compiled])).toEqual([
      [0.85, 1],
      [0.12, -1],
      [0, 0],
    ]);
    const o = outcomes[0];
    expect(o).toMatchObject({
      generationId: 'gen-1',
      spanId: c1.spanContext().spanId,
      traceId: c1.spanContext().traceId,
      contextKey: 'python|builtin|m|e1t0d1m1',
      context: {
        language: 'python',
        generator: 'builtin',
        sizeBucket: 'm',
        hasEnums: true,
        hasTemplates: false,
        hasDeprecated: true,
        hasMetrics: true,
      },
      arm: {
        key: 'bafkpack:abc123:builtin',
        packName: 'python-semconv',
        params: { layout: 'flat', doc_style: 'none', enum_style: 'enum' },
        model: 'builtin',
      },
      components: { completeness: 1, documentation: 0 },
    });
    expect(featuresOf(o)).toEqual([
      'language=python',
      'generator=builtin',
      'size=m',
      'enums=1',
      'templates=0',
      'deprecated=1',
      'metrics=1',
      'pack=python-semconv',
      'param.doc_style=none',
      'param.enum_style=enum',
      'param.layout=flat',
      'model=builtin',
    ]);
    expect(labelsOf(o)).toEqual([]);
    expect(labelsOf(outcomes[1])).toEqual(['low_quality']); // no toolchain could say: not a compile failure
    expect(labelsOf(outcomes[2])).toEqual(['compile_failure', 'low_quality']);

    // the other ways in reach the same spans, and find nothing new
    expect(await learning.ingestGeneration('gen-1')).toMatchObject({
      candidates: 3,
      added: 0,
      duplicates: 3,
    });
    expect(await learning.sync()).toMatchObject({ candidates: 3, added: 0, duplicates: 3 });
    expect((await learning.armStats('python|builtin|m|e1t0d1m1'))[0]).toMatchObject({
      n: 3,
      successes: 0,
      compileFailures: 1,
    });
  });

  it('finds candidates written since the last sync, and ignores spans without a context or an arm', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const telemetry = await createTelemetry({ store });
    cleanups.unshift(() => telemetry.shutdown());
    const learning = createLearning({ store });
    telemetry.tracer.startSpan(SPAN.candidate, { attributes: candidate('g-a', 0.95, 1) }).end();
    telemetry.tracer.startSpan(SPAN.candidate, { attributes: { [ATTR.quality]: 1 } }).end();
    await telemetry.flush();
    expect(await learning.sync()).toMatchObject({ candidates: 1, added: 1 });
    telemetry.tracer.startSpan(SPAN.candidate, { attributes: candidate('g-b', 0.5, 1) }).end();
    await telemetry.flush();
    expect(await learning.sync()).toMatchObject({ added: 1 });
    const [s] = await learning.allArmStats();
    expect(s.n).toBe(2);
    expect(s.successes).toBe(1);
  });
});
