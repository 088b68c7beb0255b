import { afterEach, describe, expect, it } from 'vitest';
import { contextKey } from '../../../node/learning/context.js';
import { createLearning } from '../../../node/learning/index.js';
import { createStore } from '../../../node/storage/index.js';
import { arm, candidateSpan, TS_CONTEXT, tempStore } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const full = arm('typescript-semconv', { doc_style: 'full' });
const none = arm('typescript-semconv', { doc_style: 'none' });
const key = contextKey(TS_CONTEXT);

describe('arm statistics', () => {
  it('accumulate n, sum q, sum q^2, successes and compile failures incrementally', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const learning = createLearning({ store });
    await learning.ingest([candidateSpan(TS_CONTEXT, full, 1), candidateSpan(TS_CONTEXT, full, 0.8)]);
    let [s] = (await learning.armStats(key)).filter((x) => x.armKey === full.key);
    expect(s).toMatchObject({
      n: 2,
      successes: 1,
      compileFailures: 0,
      packName: 'typescript-semconv',
      params: { doc_style: 'full' },
    });
    expect(s.sumQ).toBeCloseTo(1.8, 12);
    expect(s.sumQ2).toBeCloseTo(1 + 0.64, 12);

    await learning.ingest([candidateSpan(TS_CONTEXT, full, 0.3, 0), candidateSpan(TS_CONTEXT, none, 0.85)]);
    [s] = (await learning.armStats(key)).filter((x) => x.armKey === full.key);
    expect(s).toMatchObject({ n: 3, successes: 1, compileFailures: 1 });
    expect(s.sumQ).toBeCloseTo(2.1, 12);
    expect(s.sumQ2).toBeCloseTo(1 + 0.64 + 0.09, 12);
    expect(s.evidence).toHaveLength(3);
    const other = (await learning.armStats(key)).find((x) => x.armKey === none.key);
    expect(other).toMatchObject({ n: 1, successes: 0 });
    // a context nobody generated in has no statistics
    expect(await learning.armStats({ ...TS_CONTEXT, sizeBucket: 'xl' })).toEqual([]);
  });

  it('ingests the same span once, whether repeated in a batch, in a later call or concurrently', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const learning = createLearning({ store });
    const a = candidateSpan(TS_CONTEXT, full, 0.95);
    const b = candidateSpan(TS_CONTEXT, full, 0.5);
    const first = await learning.ingest([a, a, b]);
    expect(first).toMatchObject({ candidates: 3, added: 2, duplicates: 1, contexts: [key] });
    const again = await learning.ingest([b, a]);
    expect(again).toMatchObject({ added: 0, duplicates: 2, contexts: [] });
    await Promise.all([
      learning.ingest([a]),
      learning.ingest([a]),
      learning.ingest([candidateSpan(TS_CONTEXT, full, 1)]),
    ]);
    const [s] = await learning.armStats(key);
    expect(s.n).toBe(3);
    expect(s.sumQ).toBeCloseTo(2.45, 12);
    expect(await learning.outcomes()).toHaveLength(3);
  });

  it('survive closing and reopening the store, and keep counting from there', async () => {
    const { store, path, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const a = candidateSpan(TS_CONTEXT, full, 1);
    await createLearning({ store }).ingest([a, candidateSpan(TS_CONTEXT, none, 0.8)]);
    await store.close();

    const reopened = await createStore({ path });
    cleanups.push(() => reopened.close());
    const learning = createLearning({ store: reopened });
    const stats = await learning.armStats(key);
    expect(stats.map((s) => [s.params.doc_style, s.n, s.sumQ]).sort()).toEqual([
      ['full', 1, 1],
      ['none', 1, 0.8],
    ]);
    // the dedup records persisted too: the same span is still a duplicate after the restart
    expect((await learning.ingest([a])).duplicates).toBe(1);
    await learning.ingest([candidateSpan(TS_CONTEXT, full, 0.9)]);
    expect((await learning.armStats(key)).find((s) => s.armKey === full.key)).toMatchObject({
      n: 2,
      successes: 2,
    });
  });

  it('rejects a malformed context key with a typed error', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    await expect(createLearning({ store }).armStats('http.request.method')).rejects.toMatchObject({
      code: 'LEARNING_BAD_CONTEXT',
    });
  });
});
