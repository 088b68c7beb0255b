import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../../node/api/index.js';
import type { DecisionRecord, GenerationEvent, GenerationRecord } from '../../../node/jobs/types.js';
import type { SpanRecord } from '../../../node/telemetry/index.js';
import { type Harness, MINI_REGISTRY, readSse, startHarness } from './harness.js';

let h: Harness;
let generation: GenerationRecord;
let streamed: GenerationEvent[];

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

describe('api success paths (real node, real HTTP)', () => {
  it('binds to 127.0.0.1 on a free port by default', () => {
    expect(h.server.host).toBe('127.0.0.1');
    expect(h.server.port).toBeGreaterThan(0);
    expect(h.url).toBe(`http://127.0.0.1:${h.server.port}`);
  });

  it('reports a busy port clearly', async () => {
    await expect(startApiServer(h.node, { port: h.server.port })).rejects.toMatchObject({
      code: 'NODE_PORT_IN_USE',
      message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${h.server.port} is in use`)),
    });
  });

  it('GET /v1/health answers ok with the rejection counters', async () => {
    const res = await h.call('/v1/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'ok', home: h.home, generations: { inFlight: 0 }, rejected: {} });
    expect(body.uptimeMs).toBeGreaterThanOrEqual(0);
  });

  it('POST /v1/generate answers 202 with the id and links, then the SSE stream carries progress and the result', async () => {
    const res = await h.call('/v1/generate', {
      auth: true,
      json: { registry: MINI_REGISTRY, languages: ['typescript', 'python'] },
    });
    expect(res.status).toBe(202);
    const accepted = await res.json();
    expect(accepted.id).toMatch(/^\d{15}-[0-9a-f]{8}$/);
    expect(accepted.status).toBe('queued');
    const self = `/v1/generations/${accepted.id}`;
    expect(accepted.links).toEqual({
      self,
      events: `${self}/events`,
      decisions: `${self}/decisions`,
      spans: `/v1/spans?generation=${accepted.id}`,
    });
    expect(res.headers.get('location')).toBe(self);

    const events = await h.call(accepted.links.events);
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events: list, ended } = await readSse(events);
    expect(ended).toBe(true);
    streamed = list.map((e) => e.data as GenerationEvent);
    // every event's name is its type, ids count up, the stream ends right after the result
    for (const e of list) expect(e.event).toBe((e.data as GenerationEvent).type);
    expect(list.map((e) => Number(e.id))).toEqual(list.map((_, i) => i + 1));
    expect(list[0].event).toBe('status');
    expect(list.at(-1)!.event).toBe('result');
    expect(list.filter((e) => e.event === 'result')).toHaveLength(1);
    const progress = streamed.filter((e) => e.type === 'progress');
    expect(new Set(progress.map((p) => p.language))).toEqual(new Set(['typescript', 'python']));
    expect(progress.some((p) => p.phase === 'done')).toBe(true);

    const result = streamed.at(-1) as Extract<GenerationEvent, { type: 'result' }>;
    generation = result.record;
    expect(generation.id).toBe(accepted.id);
    expect(generation.status).toBe('succeeded');
    expect(generation.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(generation.languages.map((l) => l.language).sort()).toEqual(['python', 'typescript']);
    for (const l of generation.languages) {
      expect(l.winner, `${l.language}: ${l.reason}`).toBeDefined();
      expect(l.winner!.q).toBeGreaterThan(0.5);
      expect(l.winner!.q).toBeLessThanOrEqual(1);
      expect(l.winner!.files.length).toBeGreaterThan(0);
    }
  });

  it('GET /v1/generations/:id returns the stored record, the same as the streamed result', async () => {
    const res = await h.call(`/v1/generations/${generation.id}`);
    expect(res.status).toBe(200);
    const record = await res.json();
    expect(record).toEqual(generation);
  });

  it('GET /v1/generations/:id/events on a finished generation sends the result at once and closes', async () => {
    const started = Date.now();
    const res = await h.call(`/v1/generations/${generation.id}/events`);
    expect(res.status).toBe(200);
    const { events, ended } = await readSse(res, 10_000);
    expect(ended).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(events).toHaveLength(1);
    expect(events[0].event).toBe('result');
    expect((events[0].data as { record: GenerationRecord }).record).toEqual(generation);
  });

  it('GET /v1/generations lists the recent ones, newest first, and honours ?limit', async () => {
    const second = await (
      await h.call('/v1/generate', {
        auth: true,
        json: { registry: MINI_REGISTRY, languages: ['typescript'], candidates: 1 },
      })
    ).json();
    const { events } = await readSse(await h.call(second.links.events));
    expect((events.at(-1)!.data as { record: GenerationRecord }).record.status).toBe('succeeded');

    const all = await (await h.call('/v1/generations')).json();
    expect(all.generations.map((g: GenerationRecord) => g.id)).toEqual([second.id, generation.id]);
    const one = await (await h.call('/v1/generations?limit=1')).json();
    expect(one.generations.map((g: GenerationRecord) => g.id)).toEqual([second.id]);
  });

  it('GET /v1/generations/:id/decisions returns the decisions with reasons and evidence', async () => {
    const res = await h.call(`/v1/generations/${generation.id}/decisions`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.generationId).toBe(generation.id);
    expect(body.decisions.length).toBeGreaterThan(0);
    for (const d of body.decisions as DecisionRecord[]) {
      expect(d.generationId).toBe(generation.id);
      expect(d.reason.length).toBeGreaterThan(0);
    }
  });

  it("GET /v1/spans?generation= returns the generation's spans", async () => {
    const res = await h.call(`/v1/spans?generation=${generation.id}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    const spans = body.spans as SpanRecord[];
    expect(body.count).toBe(spans.length);
    const names = new Set(spans.map((s) => s.name));
    for (const n of [
      'weavergen.generation',
      'weavergen.candidate',
      'weavergen.validate',
      'weavergen.consensus',
    ])
      expect(names).toContain(n);
    for (const s of spans) expect(s.traceId).toBe(generation.traceId);
    expect(spans.map((s) => s.startTime)).toEqual([...spans.map((s) => s.startTime)].sort((a, b) => a - b));
  });

  it('GET /v1/spans filters by name, attribute, time and limit', async () => {
    const byName = (
      await (await h.call(`/v1/spans?generation=${generation.id}&name=weavergen.candidate`)).json()
    ).spans as SpanRecord[];
    expect(byName.length).toBeGreaterThanOrEqual(2);
    expect(new Set(byName.map((s) => s.name))).toEqual(new Set(['weavergen.candidate']));

    const byAttr = (
      await (await h.call(`/v1/spans?generation=${generation.id}&attr.weavergen.language=python`)).json()
    ).spans as SpanRecord[];
    expect(byAttr.length).toBeGreaterThan(0);
    for (const s of byAttr) expect(s.attributes['weavergen.language']).toBe('python');

    // the time index (no trace or generation given): the root span lies within the generation's times
    const from = new Date(generation.createdAt - 1).toISOString();
    const windowed = (
      await (
        await h.call(`/v1/spans?from=${from}&to=${generation.finishedAt}&name=weavergen.generation`)
      ).json()
    ).spans as SpanRecord[];
    expect(windowed.map((s) => s.traceId)).toContain(generation.traceId);
    const later = (await (await h.call(`/v1/spans?from=${generation.finishedAt! + 60_000}`)).json()).spans;
    expect(later).toEqual([]);

    const limited = await (await h.call(`/v1/spans?generation=${generation.id}&limit=2`)).json();
    expect(limited.spans).toHaveLength(2);
    expect(limited.limit).toBe(2);
  });

  it('GET /v1/traces/:id returns the whole trace', async () => {
    const res = await h.call(`/v1/traces/${generation.traceId}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.traceId).toBe(generation.traceId);
    const spans = body.spans as SpanRecord[];
    expect(spans.length).toBeGreaterThan(3);
    for (const s of spans) expect(s.traceId).toBe(generation.traceId);
    const root = spans.filter((s) => !s.parentSpanId);
    expect(root.map((s) => s.name)).toEqual(['weavergen.generation']);
  });

  it('GET /v1/insights returns what learning found from the generations', async () => {
    const res = await h.call('/v1/insights');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.outcomes).toBeGreaterThan(0);
    expect(body.contexts.length).toBeGreaterThan(0);
    expect(
      body.contexts
        .map((c: { contextKey: string }) => c.contextKey)
        .some((k: string) => k.startsWith('typescript|')),
    ).toBe(true);
  });

  it('POST /v1/registry/check returns the diagnostics of a registry folder', async () => {
    const ok = await h.call('/v1/registry/check', { auth: true, json: { path: MINI_REGISTRY } });
    expect(ok.status).toBe(200);
    const good = await ok.json();
    expect(good).toMatchObject({ path: MINI_REGISTRY, ok: true, errors: 0 });
    expect(good.attributes).toBeGreaterThan(0);
    expect(good.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const dir = join(h.home, 'bad-registry');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'bad.yaml'),
      [
        'groups:',
        '  - id: registry.x',
        '    type: attribute_group',
        '    brief: X.',
        '    attributes:',
        '      - {id: x.a, type: strng, stability: development, brief: A.}',
        '',
      ].join('\n'),
    );
    const res = await h.call('/v1/registry/check', { auth: true, json: { path: dir } });
    expect(res.status).toBe(200);
    const bad = await res.json();
    expect(bad.ok).toBe(false);
    expect(bad.errors).toBe(1);
    expect(bad.diagnostics[0]).toMatchObject({
      code: 'invalid-type',
      severity: 'error',
      location: { file: expect.stringContaining('bad.yaml'), line: 6, column: 9 },
    });
  });

  it('GET / serves the dashboard with a strict CSP, every asset from the node itself', async () => {
    const res = await h.call('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    const html = await res.text();
    // nothing from elsewhere, and no inline script
    const assets = [...html.matchAll(/\s(?:src|href)="([^"]*)"/gi)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) expect(a, a).toMatch(/^(\/ui\/|#)/);
    expect(html).not.toMatch(/<script>[^<]/);
  });
});
