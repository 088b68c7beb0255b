import { describe, expect, it } from 'vitest';
import { saltedCache } from '../../../node/plugins/index.js';

describe('saltedCache', () => {
  const backing = () => {
    const m = new Map<string, number>();
    return {
      m,
      cache: { get: async (k: string) => m.get(k), put: async (k: string, v: number) => void m.set(k, v) },
    };
  };

  it('without plugins is the cache itself: the keys stay as they were', () => {
    const { cache } = backing();
    expect(saltedCache(cache, '')).toBe(cache);
  });

  it('with plugins keeps entries apart per fingerprint, and a key keeps its prefix', async () => {
    const { m, cache } = backing();
    await cache.put('req!abc', 1);
    const a = saltedCache(cache, 'aaaa');
    const b = saltedCache(cache, 'bbbb');
    expect(await a.get('req!abc')).toBeUndefined();
    await a.put('req!abc', 2);
    await b.put('req!abc', 3);
    expect([await cache.get('req!abc'), await a.get('req!abc'), await b.get('req!abc')]).toEqual([1, 2, 3]);
    expect([...m.keys()].filter((k) => k !== 'req!abc').every((k) => /^req![0-9a-f]{64}$/.test(k))).toBe(
      true,
    );
    await a.put('0123', 4);
    expect([...m.keys()].some((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
  });
});
