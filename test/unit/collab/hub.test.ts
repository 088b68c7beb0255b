import { describe, expect, it } from 'vitest';
import { CollabErrorCode } from '../../../node/collab/errors.js';
import { createHub } from '../../../node/collab/hub.js';
import type { Delivery } from '../../../node/collab/types.js';

const tick = () => new Promise((r) => setTimeout(r, 5));
const gen = (id: string, status = 'running') => ({ type: 'generation' as const, id, status });

describe('hub', () => {
  it('numbers events and gives every subscriber all of them in order', async () => {
    const hub = createHub();
    const a: Delivery[] = [];
    const b: Delivery[] = [];
    hub.subscribe((d) => void a.push(d));
    hub.subscribe(async (d) => {
      await tick();
      b.push(d);
    });
    for (let i = 0; i < 20; i++) hub.publish(gen(`g${i}`));
    await new Promise((r) => setTimeout(r, 200));
    const seqs = (l: Delivery[]) => l.map((d) => (d.type === 'generation' ? d.seq : -1));
    expect(seqs(a)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seqs(b)).toEqual(seqs(a));
    expect(hub.stats()).toMatchObject({ subscribers: 2, seq: 20, lagged: 0 });
  });

  it('a subscriber that falls behind is dropped with a final lagged event; the others go on', async () => {
    const hub = createHub({ queue: 8, ring: 4 });
    const slow: Delivery[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    hub.subscribe(async (d) => {
      slow.push(d);
      await stuck;
    });
    const fast: Delivery[] = [];
    hub.subscribe((d) => void fast.push(d));
    // the first is being delivered (stuck); 8 wait; the 10th overflows
    for (let i = 0; i < 30; i++) {
      hub.publish(gen(`g${i}`));
      await Promise.resolve();
    }
    await tick();
    expect(hub.stats()).toMatchObject({ subscribers: 1, lagged: 1 });
    release();
    await tick();
    expect(slow[0]).toMatchObject({ type: 'generation', seq: 1 });
    expect(slow.at(-1)).toMatchObject({ type: 'lagged', lastSeq: 1 });
    expect(slow).toHaveLength(2);
    expect(fast).toHaveLength(30);
    // memory: what it missed was dropped with it
    hub.publish(gen('later'));
    await tick();
    expect(slow).toHaveLength(2);
  });

  it('resumes after a Last-Event-ID still held; an older or foreign one is told to reload', async () => {
    const hub = createHub({ ring: 5 });
    const events = Array.from({ length: 12 }, (_, i) => hub.publish(gen(`g${i}`)));
    const from = async (lastEventId: string) => {
      const got: Delivery[] = [];
      const off = hub.subscribe((d) => void got.push(d), { lastEventId });
      hub.publish(gen('live'));
      await tick();
      off();
      return got;
    };
    // held: events 8..12 (ring 5); after 9 -> 10, 11, 12 (and the live one, 13)
    const resumed = await from(hub.eventId(events[8]));
    expect(resumed.map((d) => d.type !== 'lagged' && d.seq)).toEqual([10, 11, 12, 13]);
    // the oldest held minus one is still whole
    const newest = hub.stats().seq;
    const edge = await from(`${hub.id}-${newest - 5}`);
    expect(edge[0]).toMatchObject({ type: 'generation', seq: newest - 4 });
    expect(edge).toHaveLength(6);
    // up to date: only what comes next
    const current = await from(`${hub.id}-${hub.stats().seq}`);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ type: 'generation', id: 'live' });
    // too old, another process's hub, from the future, garbage: reload, then live events
    for (const id of [`${hub.id}-2`, `zzzz-${hub.stats().seq}`, `${hub.id}-999`, 'garbage', '']) {
      const got = await from(id);
      expect(got[0], id).toMatchObject({ type: 'reload' });
      expect(got[1], id).toMatchObject({ type: 'generation', id: 'live' });
      expect(got, id).toHaveLength(2);
    }
  });

  it('a listener that fails listens no more; unsubscribe stops deliveries', async () => {
    const hub = createHub();
    let calls = 0;
    hub.subscribe(() => {
      calls++;
      throw new Error('client gone');
    });
    const got: Delivery[] = [];
    const off = hub.subscribe((d) => void got.push(d));
    hub.publish(gen('a'));
    hub.publish(gen('b'));
    await tick();
    expect(calls).toBe(1);
    expect(got).toHaveLength(2);
    off();
    hub.publish(gen('c'));
    await tick();
    expect(got).toHaveLength(2);
    expect(hub.stats().subscribers).toBe(0);
  });

  it('refuses subscribers past its limit', () => {
    const hub = createHub({ maxSubscribers: 2 });
    hub.subscribe(() => {});
    const off = hub.subscribe(() => {});
    expect(() => hub.subscribe(() => {})).toThrow(
      expect.objectContaining({ code: CollabErrorCode.TOO_MANY_SUBSCRIBERS }),
    );
    off();
    hub.subscribe(() => {});
  });
});
