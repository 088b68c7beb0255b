import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, MINI_REGISTRY, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

describe('a stopping node', () => {
  it('answers 503 on /v1 routes (health says stopping), still serves the dashboard and the document', async () => {
    expect((await h.call('/v1/health')).status).toBe(200);
    await h.node.stop();

    const health = await h.call('/v1/health');
    expect(health.status).toBe(503);
    expect((await health.json()).status).toBe('stopping');

    const gen = await h.call('/v1/generate', {
      auth: true,
      json: { registry: MINI_REGISTRY, languages: ['typescript'] },
    });
    expect(gen.status).toBe(503);
    expect((await gen.json()).error).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/stopping/),
    });

    for (const path of ['/v1/generations', '/v1/insights', '/v1/spans']) {
      const res = await h.call(path);
      expect(res.status, path).toBe(503);
      expect((await res.json()).error.code, path).toBe('UNAVAILABLE');
    }
    // no work is taken, with or without a token
    expect((await h.call('/v1/generate', { json: {} })).status).toBe(503);

    expect((await h.call('/')).status).toBe(200);
    expect((await h.call('/openapi.json')).status).toBe(200);
    const after = await (await h.call('/v1/health')).json();
    expect(after.rejected).toEqual({ unavailable: 5 });
  });
});
