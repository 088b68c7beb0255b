import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRejectionHistory } from '../../../node/api/rejection-history.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('rejection history', () => {
  it('samples the counters each period when they changed, keeps the last ones, and ends with now', () => {
    vi.useFakeTimers();
    let n = 0;
    const h = createRejectionHistory(() => ({ requests: n ? { unauthorized: n } : {}, messages: {} }), {
      everyMs: 1000,
      keep: 3,
    });
    expect(h.samples()).toHaveLength(2); // the first sample, and now
    vi.advanceTimersByTime(5000); // nothing changed: nothing kept
    expect(h.samples()).toHaveLength(2);
    for (let i = 1; i <= 5; i++) {
      n = i;
      vi.advanceTimersByTime(1000);
    }
    const s = h.samples();
    expect(s).toHaveLength(4); // 3 kept + now
    expect(s.map((x) => x.requests.unauthorized)).toEqual([3, 4, 5, 5]);
    h.stop();
  });

  it('stops sampling once the counters cannot be read (the node stopped)', () => {
    vi.useFakeTimers();
    let reads = 0;
    let gone = false;
    createRejectionHistory(
      () => {
        reads++;
        if (gone) throw new Error('stopping');
        return { requests: { x: reads }, messages: {} };
      },
      { everyMs: 1000 },
    );
    gone = true;
    vi.advanceTimersByTime(1000);
    const after = reads;
    vi.advanceTimersByTime(10_000);
    expect(reads).toBe(after);
  });
});
