import { describe, expect, it } from 'vitest';
import { mentions } from '../../../node/models/feedback.js';
import { createLimiter, createPricing, parseModelSpec } from '../../../node/models/index.js';

describe('pricing', () => {
  it('prices by the longest matching id prefix, per million tokens', () => {
    const p = createPricing();
    expect(p.cost('openai:gpt-4o-mini-2024-07-18', 1_000_000, 1_000_000)).toEqual({
      costUsd: 0.75,
      priced: true,
    });
    expect(p.cost('openai:gpt-4o', 2_000, 1_000)).toEqual({ costUsd: 0.015, priced: true });
    expect(p.cost('anthropic:claude-3-5-haiku-latest', 10_000, 2_000)).toEqual({
      costUsd: 0.016,
      priced: true,
    });
    expect(p.cost('ollama:qwen3:8b', 50_000, 50_000)).toEqual({ costUsd: 0, priced: true });
    expect(p.cost('openai:some-new-model', 1000, 1000)).toEqual({ costUsd: 0, priced: false });
  });

  it('takes prices from the configuration over the table', () => {
    const p = createPricing({
      'openai:gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 },
      'openai:my-fine-tune': { inputPerMTok: 3, outputPerMTok: 4 },
    });
    expect(p.cost('openai:gpt-4o-mini', 1_000_000, 0).costUsd).toBe(1);
    expect(p.cost('openai:my-fine-tune', 0, 500_000).costUsd).toBe(2);
  });
});

describe('parseModelSpec', () => {
  it('splits on commas, keeps colons of Ollama tags, drops duplicates', () => {
    expect(parseModelSpec(' builtin, ollama:qwen3:8b ,openai:gpt-4o-mini,builtin').specs).toEqual([
      { id: 'builtin', provider: 'builtin' },
      { id: 'ollama:qwen3:8b', provider: 'ollama', model: 'qwen3:8b' },
      { id: 'openai:gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini' },
    ]);
  });
});

describe('createLimiter', () => {
  it('runs at most n at once, in order, and drops a waiting task whose signal aborts', async () => {
    const l = createLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      order.push(i);
      running--;
      return i;
    };
    const ac = new AbortController();
    const runs = [0, 1, 2, 3].map((i) => l.run(task(i), i === 3 ? ac.signal : undefined));
    expect(l.waiting).toBe(2);
    ac.abort(new Error('not needed'));
    const settled = await Promise.allSettled(runs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2]);
    expect(settled[3]).toMatchObject({ status: 'rejected', reason: { message: 'not needed' } });
    expect(l.active).toBe(0);
  });
});

describe('feedback routing: mentions', () => {
  it('finds a namespace by its keys and by its generated names in each language', () => {
    expect(mentions('attribute http.request.method (expected ATTR_HTTP_REQUEST_METHOD)', 'http')).toBe(true);
    expect(mentions('ATTR_HTTPX = "x", expected "y"', 'http')).toBe(false);
    expect(mentions('METRIC_DB_CLIENT_OPERATION_DURATION should be X', 'db')).toBe(true);
    expect(mentions('HttpRequestMethodValues.GET should be X', 'http')).toBe(true);
    expect(mentions('HTTPRequestMethodKey should be X', 'http')).toBe(true);
    expect(mentions('attribute user_agent.original (expected X)', 'user_agent')).toBe(true);
    expect(mentions('attribute network.peer.address', 'peer')).toBe(false);
  });
});
