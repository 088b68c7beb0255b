import { describe, expect, it } from 'vitest';
import { everyEpochAtRandom } from '../../../node/peering.js';

describe('digest publication time', () => {
  it('once per epoch at a random moment of it: not at start, not at a fixed phase of the clock', async () => {
    const epochMs = 400;
    const started = Date.now();
    const fired: number[] = [];
    const planned: number[] = [];
    const epochs = everyEpochAtRandom(epochMs, async () => {
      fired.push(Date.now());
      planned.push(epochs.next!);
    });
    // the first moment is planned ahead, in this epoch or the next
    expect(epochs.next).toBeGreaterThan(started);
    expect(epochs.next! - started).toBeLessThan(2 * epochMs);
    await new Promise((r) => setTimeout(r, 12 * epochMs));
    epochs.stop();
    const count = fired.length;
    await new Promise((r) => setTimeout(r, 2 * epochMs));
    expect(fired.length, 'nothing after stop').toBe(count);
    // about one per epoch (a moment already past at start moves to the next epoch)
    expect(count).toBeGreaterThanOrEqual(9);
    expect(count).toBeLessThanOrEqual(13);
    expect(fired[0] - started).toBeGreaterThan(0);
    // each at its planned moment (timers may be a little late), never two planned in one epoch
    for (const [i, t] of fired.entries()) expect(t).toBeGreaterThanOrEqual(planned[i] - 2);
    const epochOf = (t: number) => Math.floor(t / epochMs);
    expect(new Set(planned.map(epochOf)).size).toBe(planned.length);
    // the phases within the epoch are spread, not one fixed offset
    const phases = planned.map((t) => t % epochMs);
    expect(Math.max(...phases) - Math.min(...phases)).toBeGreaterThan(epochMs / 4);
  });
});
