import { describe, expect, it } from 'vitest';
import { percentile, propagation, spread, topology } from '../../../bench/network.js';

describe('network bench statistics', () => {
  it('percentile uses nearest rank and is NaN when empty', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 0.5)).toBe(3);
    expect(percentile(xs, 0.99)).toBe(5);
    expect(percentile(xs, 1)).toBe(5);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([], 0.5)).toBeNaN();
    expect(xs).toEqual([5, 1, 4, 2, 3]);
  });

  it('spread splits nodes evenly over processes', () => {
    expect(spread(8, 2)).toEqual([4, 4]);
    expect(spread(9, 2)).toEqual([5, 4]);
    expect(spread(1, 4)).toEqual([1]);
  });

  it('topology is a ring plus chords, without self loops or repeated pairs', () => {
    let s = 1;
    const rand = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const edges = topology(16, 2, rand);
    const keys = edges.map(([a, b]) => (a < b ? `${a}-${b}` : `${b}-${a}`));
    expect(new Set(keys).size).toBe(edges.length);
    expect(edges.every(([a, b]) => a !== b)).toBe(true);
    for (let i = 0; i < 16; i++) expect(keys).toContain(i < (i + 1) % 16 ? `${i}-${(i + 1) % 16}` : `0-${i}`);
    expect(edges.length).toBe(16 + 32);
  });

  it('propagation: latencies of known keys, delivery over messages x (n - 1)', () => {
    const published = new Map([
      ['a|1', 100],
      ['b|1', 200],
    ]);
    const r = propagation(
      published,
      [
        { key: 'a|1', at: 110 },
        { key: 'b|1', at: 230 },
        { key: 'c|1', at: 300 },
      ],
      3,
    );
    expect(r.latencies).toEqual([10, 30]);
    expect(r.delivery).toBe(0.5);
  });
});
