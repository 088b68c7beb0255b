import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../node/storage/index.js';
import { spansByTime } from '../../node/telemetry/queries.js';
import { generationKey, type SpanRecord, spanKey, timeKey } from '../../node/telemetry/span-record.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function open(): Promise<Store> {
  const path = await mkdtemp(join(tmpdir(), 'weavergen-stream-'));
  const store = await createStore({ path });
  cleanups.push(async () => {
    await store.close().catch(() => undefined);
    await rm(path, { recursive: true, force: true });
  });
  return store;
}

const span = (i: number, name: string, attributes: SpanRecord['attributes'] = {}): SpanRecord => ({
  traceId: `t${(i % 7).toString().padStart(31, '0')}`,
  spanId: i.toString(16).padStart(16, '0'),
  name,
  kind: 0,
  startTime: 1_700_000_000_000 + i * 10,
  endTime: 1_700_000_000_000 + i * 10 + 5,
  durationMs: 5,
  status: { code: 0 },
  attributes,
  events: [],
});

/** The exporter's writes for a span: the record, its time index entry and its generation entry. */
const put = (store: Store, s: SpanRecord) =>
  store.batch([
    { type: 'put', sublevel: 'spans', key: spanKey(s.traceId, s.spanId), value: s },
    {
      type: 'put',
      sublevel: 'spanIndex',
      key: timeKey(s.startTime, s.traceId, s.spanId),
      value: spanKey(s.traceId, s.spanId),
    },
    {
      type: 'put',
      sublevel: 'spanIndex',
      key: generationKey('g', s.spanId),
      value: spanKey(s.traceId, s.spanId),
    },
  ]);

describe('streamed reads', () => {
  it('stream gives scan’s entries in batches, with prefix, range, limit and reverse; getMany keeps order', async () => {
    const store = await open();
    await store.batch(
      Array.from({ length: 2500 }, (_, i) => ({
        type: 'put' as const,
        sublevel: 'cache' as const,
        key: `${i % 2 ? 'a' : 'b'}!${i.toString().padStart(5, '0')}`,
        value: { i },
      })),
    );
    for (const opts of [
      {},
      { prefix: 'a!' },
      { prefix: 'b!', reverse: true, limit: 700 },
      { gte: 'a!00100', lte: 'a!00200' },
    ]) {
      const batches: [string, unknown][][] = [];
      for await (const b of store.stream('cache', { ...opts, batch: 300 })) batches.push(b);
      expect(batches.every((b) => b.length <= 300 && b.length > 0)).toBe(true);
      expect(batches.flat()).toEqual(await store.scan('cache', opts));
    }
    expect(await store.getMany('cache', ['b!00002', 'nope', 'a!00001'])).toEqual([
      { i: 2 },
      undefined,
      { i: 1 },
    ]);
    const [raw] = await store.getMany<Buffer>('cache', ['a!00003'], { values: 'raw' });
    expect(JSON.parse(raw.toString())).toEqual({ i: 3 });
  });

  it('spansByTime gives the spans of a name in start-time order, decoys and pages included', async () => {
    const store = await open();
    const names = ['weavergen.candidate', 'weavergen.validate', 'weavergen.generation'];
    const all: SpanRecord[] = [];
    // written out of time order, some holding the candidate's name in their attributes
    for (const i of [5, 3, 9, 0, 7, 1, 8, 2, 6, 4, ...Array.from({ length: 40 }, (_, k) => 10 + k)]) {
      const s = span(i, names[i % 3], i % 4 === 0 ? { note: '"name":"weavergen.candidate"' } : {});
      all.push(s);
      await put(store, s);
    }
    const from = 1_700_000_000_000 + 30; // spans 3 to 49
    const expected = all
      .filter((s) => s.name === 'weavergen.candidate' && s.startTime >= from)
      .sort((a, b) => a.startTime - b.startTime);
    const pages: SpanRecord[][] = [];
    for await (const p of spansByTime(store, from, 'weavergen.candidate', 4)) pages.push(p);
    expect(pages.flat()).toEqual(expected);
    expect(expected.length).toBe(16);
    // one page per 4 time-index entries, candidates or not
    expect(pages.length).toBe(Math.ceil(47 / 4));
  });
});
