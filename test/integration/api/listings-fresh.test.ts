import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type Json, MINI_REGISTRY, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

const get = async (path: string): Promise<Json> => {
  const res = await h.call(path);
  expect(res.status, path).toBe(200);
  return res.json();
};

// the node keeps its newest generations and its insights between reads (one frozen object, its
// JSON made once): a change must show on the next read, with no delay
describe('GET /v1/generations and /v1/insights kept between reads', () => {
  it('a generation shows in the list from its submission, and its end at once', async () => {
    const before = await get('/v1/generations');
    expect(await get('/v1/generations')).toEqual(before);
    const kept = await h.node.generations();
    expect(Object.isFrozen(kept)).toBe(true);
    expect(await h.node.generations()).toBe(kept);

    const insightsBefore = await get('/v1/insights');
    const started = await h.node.generate({ registry: MINI_REGISTRY, languages: ['typescript'] });
    const listed = await get('/v1/generations');
    expect(listed.generations[0].id).toBe(started.id);
    expect(listed.generations).toHaveLength(before.generations.length + 1);

    const record = await started.done;
    expect(record.status).toBe('succeeded');
    const after = await get('/v1/generations');
    expect(Object.isFrozen((await h.node.generations())[0])).toBe(true);
    expect(after.generations[0]).toMatchObject({ id: started.id, status: 'succeeded' });
    expect(await get(`/v1/generations?limit=1`)).toEqual({ generations: [after.generations[0]] });

    // learning took the generation's candidates in before it ended
    const insights = await get('/v1/insights');
    expect(insights.outcomes).toBeGreaterThan(insightsBefore.outcomes);
    expect(insights.contexts.length).toBeGreaterThan(0);
  });

  it('each limit is its own page', async () => {
    const all = (await get('/v1/generations?limit=500')).generations;
    for (const limit of [1, 2, 50]) {
      const page = (await get(`/v1/generations?limit=${limit}`)).generations;
      expect(page).toEqual(all.slice(0, limit));
    }
  });
});
