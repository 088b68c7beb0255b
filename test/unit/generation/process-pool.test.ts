import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessPool } from '../../../node/generation/process-pool.js';

const file = join(process.cwd(), 'dist', 'node', 'generation', 'render-process.js');

describe('render process pool', () => {
  it('gives a task the idle process that has what it needs warm, else the first idle one', async () => {
    const pool = new ProcessPool({ file, max: 2, heapMb: 64, idleTimeoutMs: 60_000 });
    try {
      const [a, b] = [await pool.acquire(), await pool.acquire()];
      expect(a).not.toBe(b);
      b.warm = ['pack-b'];
      pool.release(a);
      pool.release(b);
      expect(await pool.acquire(undefined, (s) => s.warm.includes('pack-b'))).toBe(b);
      // nothing preferred: any idle one
      expect(await pool.acquire(undefined, (s) => s.warm.includes('pack-c'))).toBe(a);
    } finally {
      pool.close();
    }
  });
});
