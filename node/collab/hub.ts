import { randomBytes } from 'node:crypto';
import { CollabError, CollabErrorCode } from './errors.js';
import type { CollabEvent, CollabEventBody, Delivery } from './types.js';

export interface HubInit {
  /** events waiting per subscriber; one more and it is dropped with `lagged` (default 256) */
  queue?: number;
  /** recent events kept for subscribers that resume (Last-Event-ID) (default 128, at most `queue`) */
  ring?: number;
  /** live subscribers at most; one more is refused TOO_MANY_SUBSCRIBERS (default 1,000) */
  maxSubscribers?: number;
}

export interface SubscribeOptions {
  /** the id of the last event the subscriber had (an SSE client's Last-Event-ID): resume after it */
  lastEventId?: string;
}

export type Listener = (d: Delivery) => void | Promise<void>;

export interface HubStats {
  subscribers: number;
  /** the newest event's sequence number (0: none yet) */
  seq: number;
  /** subscribers dropped for falling behind, since the hub began */
  lagged: number;
}

/**
 * An in-process event hub (one per tenant). publish() numbers an event and hands it to every
 * subscriber's queue at once; each subscriber is given its events one at a time, in order, the next
 * only after its listener's promise settled. A queue is bounded: a subscriber with `queue` events
 * waiting when another comes is dropped, its queue replaced by one last `lagged` event, so a slow
 * reader costs a bounded amount of memory and never slows the others or the publisher.
 */
export interface Hub {
  /** this hub's instance: event ids are `<id>-<seq>`, so ids of another process are not taken for ours */
  readonly id: string;
  publish(event: CollabEventBody): CollabEvent;
  /**
   * Listens from now on; with `lastEventId`, first the held events after it (or, when they are no
   * longer all held, or the id is not this hub's, one `reload`). Returns the unsubscribe function.
   */
  subscribe(listener: Listener, options?: SubscribeOptions): () => void;
  /** the SSE id of an event */
  eventId(e: Pick<CollabEvent, 'seq'>): string;
  stats(): HubStats;
}

interface Subscriber {
  listener: Listener;
  queue: Delivery[];
  pumping: boolean;
  /** no more events are queued (dropped or unsubscribed) */
  closed: boolean;
  lastSeq: number;
}

export function createHub(init: HubInit = {}): Hub {
  const maxQueue = Math.max(1, init.queue ?? 256);
  const ringSize = Math.max(0, Math.min(init.ring ?? 128, maxQueue));
  const maxSubscribers = init.maxSubscribers ?? 1000;
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const subscribers = new Set<Subscriber>();
  /** the newest events, oldest first */
  const ring: CollabEvent[] = [];
  let seq = 0;
  let lagged = 0;

  const remove = (s: Subscriber) => {
    s.closed = true;
    subscribers.delete(s);
  };

  async function pump(s: Subscriber): Promise<void> {
    if (s.pumping) return;
    s.pumping = true;
    try {
      for (let d = s.queue.shift(); d !== undefined; d = s.queue.shift()) {
        if (d.type !== 'lagged') s.lastSeq = d.seq;
        try {
          await s.listener(d);
        } catch {
          // a listener that fails (its client went away) listens no more
          remove(s);
          s.queue.length = 0;
        }
      }
    } finally {
      s.pumping = false;
    }
  }

  const deliver = (s: Subscriber, d: Delivery) => {
    if (s.closed) return;
    if (s.queue.length >= maxQueue) {
      // fallen behind: what it has not read is dropped with it, and it is told so
      remove(s);
      lagged++;
      s.queue.length = 0;
      s.queue.push({
        type: 'lagged',
        lastSeq: s.lastSeq,
        message: `this stream fell ${maxQueue} events behind and was closed; reconnect (with Last-Event-ID to resume, if the events are still held) or read the state again`,
      });
    } else s.queue.push(d);
    if (!s.pumping) queueMicrotask(() => void pump(s));
  };

  return {
    id,
    publish(body) {
      const event = { ...body, seq: ++seq, at: Date.now() } as CollabEvent;
      ring.push(event);
      if (ring.length > ringSize) ring.shift();
      for (const s of [...subscribers]) deliver(s, event);
      return event;
    },
    subscribe(listener, options = {}) {
      if (subscribers.size >= maxSubscribers)
        throw new CollabError(
          { code: CollabErrorCode.TOO_MANY_SUBSCRIBERS, max: maxSubscribers, retryAfterS: 5 },
          `${maxSubscribers} live streams are open on this node, as many as it serves; try again later`,
        );
      const s: Subscriber = { listener, queue: [], pumping: false, closed: false, lastSeq: seq };
      subscribers.add(s);
      if (options.lastEventId !== undefined) {
        const after = resumePoint(options.lastEventId);
        if (after === undefined) {
          deliver(s, {
            type: 'reload',
            seq,
            message:
              'the events after Last-Event-ID are no longer held (or it is not an id of this node since it started): read the state again; the stream goes on from here',
          });
        } else for (const e of ring) if (e.seq > after) deliver(s, e);
      }
      return () => {
        remove(s);
        s.queue.length = 0;
      };
    },
    eventId: (e) => `${id}-${e.seq}`,
    stats: () => ({ subscribers: subscribers.size, seq, lagged }),
  };

  /** the seq to resume after, when every event after it is still held */
  function resumePoint(lastEventId: string): number | undefined {
    const m = /^([0-9a-z]{1,40})-(\d{1,15})$/.exec(lastEventId);
    if (!m || m[1] !== id) return undefined;
    const after = Number(m[2]);
    if (after > seq) return undefined;
    const oldest = ring[0]?.seq ?? seq + 1;
    return after >= oldest - 1 ? after : undefined;
  }
}
