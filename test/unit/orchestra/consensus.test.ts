import { describe, expect, it } from 'vitest';
import { decide } from '../../../node/orchestra/consensus.js';

const all = ['attribute:a=1', 'attribute:b=2', 'metric:m=3', 'event:e=4'];

describe('consensus', () => {
  it('measures agreement on the registry symbols emitted with the right value', () => {
    expect(
      decide([
        { index: 0, q: 1, emitted: all },
        { index: 1, q: 0.8, emitted: all },
      ]).agreement,
    ).toBe(1);
    const half = decide([
      { index: 0, q: 1, emitted: all },
      { index: 1, q: 0.5, emitted: all.slice(0, 2) },
    ]);
    expect(half.agreement).toBe(0.5);
    expect(decide([{ index: 0, q: 1, emitted: all }]).agreement).toBe(1);
  });

  it('picks the best quality, breaking ties by agreement with the others, and says why', () => {
    const c = decide([
      { index: 0, q: 0.9, emitted: all.slice(0, 1) },
      { index: 1, q: 0.9, emitted: all },
      { index: 2, q: 0.7, emitted: all },
    ]);
    expect(c.winner).toBe(1);
    expect(c.reason).toMatch(/tied on quality q=0\.900 with candidate 0; won on agreement/);
    expect(
      decide([
        { index: 0, q: 0.2, emitted: [] },
        { index: 1, q: 0.95, emitted: all },
      ]),
    ).toMatchObject({ winner: 1, reason: expect.stringMatching(/highest quality q=0\.950/) });
    expect(decide([]).winner).toBe(-1);
  });
});

describe('consensus ranks like the loop', () => {
  it('code that compiles wins over code with fewer defects that does not', () => {
    const c = decide([
      { index: 0, q: 0.95, emitted: [], acceptable: false, compiled: true, defects: 2 },
      { index: 1, q: 0.29, emitted: [], acceptable: false, compiled: false, defects: 0 },
    ]);
    expect(c.winner).toBe(0);
    expect(c.reason).toMatch(/^compiled, with 2 correctness defects .*did not compile/);
  });

  it('an acceptable candidate wins over a higher q with a defect', () => {
    const c = decide([
      { index: 0, q: 0.97, emitted: [], acceptable: false, compiled: true, defects: 1 },
      { index: 1, q: 0.93, emitted: [], acceptable: true, compiled: true, defects: 0 },
    ]);
    expect(c.winner).toBe(1);
  });
});
