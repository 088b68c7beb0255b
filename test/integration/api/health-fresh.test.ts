import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_STALE_MS } from '../../../node/node.js';
import { type Harness, type Json, MINI_REGISTRY, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

const health = async (): Promise<Json> => (await h.call('/v1/health')).json();

/** Polls /v1/health until `changed` holds, for at most `withinMs`; returns the last health read. */
async function until(changed: (x: Json) => boolean, withinMs: number): Promise<Json> {
  const deadline = Date.now() + withinMs;
  let last = await health();
  while (!changed(last) && Date.now() < deadline) {
    await sleep(5);
    last = await health();
  }
  return last;
}

describe('GET /v1/health, its counters read again at most every HEALTH_STALE_MS', () => {
  it('within the bound, one shared frozen object', () => {
    const a = h.node.health();
    expect(Object.isFrozen(a) && Object.isFrozen(a.generations)).toBe(true);
    expect(h.node.health()).toBe(a);
  });

  it('a generation that finished shows in its counters within the bound', async () => {
    const before = await health();
    expect(before.generations.inFlight).toBe(0);
    const started = await h.node.generate({ registry: MINI_REGISTRY, languages: ['typescript'] });
    const record = await started.done;
    expect(record.status).toBe('succeeded');
    // its spans were exported before it ended: the counter moves within the bound (with slack for
    // a busy machine), and uptime with it
    const after = await until((x) => x.spans.exported > before.spans.exported, HEALTH_STALE_MS + 400);
    expect(after.spans.exported).toBeGreaterThan(before.spans.exported);
    expect(after.generations.inFlight).toBe(0);
    expect(after.uptimeMs).toBeGreaterThan(before.uptimeMs);
  });

  it('uptime moves on between reads further apart than the bound', async () => {
    const a = await health();
    await sleep(HEALTH_STALE_MS + 20);
    const b = await health();
    expect(b.uptimeMs).toBeGreaterThanOrEqual(a.uptimeMs + HEALTH_STALE_MS);
  });

  it('a rejection is counted at once, not after the bound', async () => {
    const before = (await health()).rejected.route_not_found ?? 0;
    expect((await h.call('/v1/no-such-route')).status).toBe(404);
    expect((await health()).rejected.route_not_found).toBe(before + 1);
  });
});
