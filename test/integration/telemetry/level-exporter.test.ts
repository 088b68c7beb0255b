import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../../node/storage/index.js';
import { createSpanQueries, createTelemetry } from '../../../node/telemetry/index.js';

const tempStore = async () => createStore({ path: join(await mkdtemp(join(tmpdir(), 'wg-tel-')), 'db') });

describe('telemetry to LevelDB', () => {
  it('stores finished spans with parents, attributes and events, queryable by trace, generation, time and attribute', async () => {
    const store = await tempStore();
    const tel = await createTelemetry({ store });
    const t0 = Date.now();
    const root = tel.tracer.startSpan(
      'weavergen.generation',
      { attributes: { 'weavergen.generation.id': 'g1' } },
      ROOT_CONTEXT,
    );
    const child = tel.tracer.startSpan(
      'weavergen.candidate',
      {
        attributes: {
          'weavergen.generation.id': 'g1',
          'weavergen.language': 'go',
          'weavergen.quality.q': 0.75,
        },
      },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.addEvent('compiled', { files: 3 });
    child.end();
    root.end();
    const other = tel.tracer.startSpan(
      'weavergen.candidate',
      { attributes: { 'weavergen.language': 'rust' } },
      ROOT_CONTEXT,
    );
    other.end();
    await tel.flush();
    const q = createSpanQueries(store);
    const traceId = root.spanContext().traceId;

    const byTrace = await q.byTrace(traceId);
    expect(byTrace.map((s) => s.name)).toEqual(['weavergen.generation', 'weavergen.candidate']);
    expect(byTrace[1]).toMatchObject({
      parentSpanId: root.spanContext().spanId,
      attributes: { 'weavergen.quality.q': 0.75 },
      events: [{ name: 'compiled', attributes: { files: 3 } }],
    });
    expect((await q.byGeneration('g1')).length).toBe(2);
    expect((await q.find({ attributes: { 'weavergen.language': 'rust' } })).map((s) => s.traceId)).toEqual([
      other.spanContext().traceId,
    ]);
    expect((await q.find({ from: t0 - 1000, to: Date.now() + 1000 })).length).toBe(3);
    expect(await q.find({ from: Date.now() + 60_000 })).toEqual([]);
    expect(tel.stats()).toMatchObject({ exported: 3, failed: 0, otlp: false });
    await tel.shutdown();
    await store.close();
  });

  it('also exports OTLP/HTTP when an endpoint is configured', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const store = await tempStore();
    const tel = await createTelemetry({ store }, { otlpEndpoint: `http://127.0.0.1:${port}` });
    tel.tracer.startSpan('x', {}, ROOT_CONTEXT).end();
    await tel.shutdown();
    expect(received).toContain('/v1/traces');
    expect(tel.stats()).toMatchObject({ exported: 1, otlp: true });
    await store.close();
    server.close();
  });

  it('does not stall shutdown on an unreachable collector, and keeps the spans in LevelDB', async () => {
    // a port that accepts connections and never answers
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const store = await tempStore();
    const tel = await createTelemetry(
      { store },
      { otlpEndpoint: `http://127.0.0.1:${port}`, shutdownTimeoutMs: 500 },
    );
    tel.tracer.startSpan('kept', {}, ROOT_CONTEXT).end();
    const started = performance.now();
    await tel.shutdown();
    expect(performance.now() - started).toBeLessThan(3000);
    expect((await createSpanQueries(store).find({ name: 'kept' })).length).toBe(1);
    await store.close();
    server.closeAllConnections();
    server.close();
  });
});
