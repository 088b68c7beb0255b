import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../../node/storage/index.js';
import { createSpanQueries, createTelemetry } from '../../../node/telemetry/index.js';

describe('telemetry registered as the process SDK (node start)', () => {
  it('is the global tracer provider with an active-span context and W3C propagation, and undone at shutdown', async () => {
    const store = await createStore({ path: join(await mkdtemp(join(tmpdir(), 'wg-tel-global-')), 'db') });
    const tel = await createTelemetry({ store }, { global: true });
    // any library tracing through the global API lands in the node's store, parented by the active span
    const lib = trace.getTracer('some-library');
    const traceId = lib.startActiveSpan('outer', (outer) => {
      lib.startSpan('inner').end();
      outer.end();
      return outer.spanContext().traceId;
    });
    const carrier: Record<string, string> = {};
    const span = lib.startSpan('sent');
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    span.end();
    expect(carrier.traceparent).toMatch(new RegExp(`^00-${span.spanContext().traceId}-`));
    await tel.flush();
    const spans = await createSpanQueries(store).byTrace(traceId);
    expect(spans.map((s) => s.name)).toEqual(['outer', 'inner']);
    expect(spans[1].parentSpanId).toBe(spans[0].spanId);

    await tel.shutdown();
    // after shutdown the process has no SDK: spans are no-ops again (a later node may register)
    expect(trace.getTracer('x').startSpan('after').isRecording()).toBe(false);
    await store.close();
  });
});
