import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { GenerationEvent, GenerationStatus } from '../../jobs/types.js';
import type { RouteContext } from '../context.js';
import { idParam } from '../validate.js';
import { findGeneration } from './generations.js';

const FINAL: GenerationStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * GET /v1/generations/:id/events: server-sent events `status`, `progress` and finally `result`
 * (data: the GenerationEvent as JSON), then the stream ends. A finished generation gets its
 * `result` at once. Comments keep idle connections open.
 */
export function eventRoutes(app: Hono, { tenant, auth, heartbeatMs }: RouteContext): void {
  app.get('/v1/generations/:id/events', auth.read, async (c) => {
    const node = await tenant(c);
    const id = idParam(c, 'id');
    // subscribe before reading the record: an event between the two is queued, not lost
    const queue: GenerationEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = node.subscribe(id, (e) => {
      queue.push(e);
      wake?.();
    });
    let record: Awaited<ReturnType<typeof findGeneration>>;
    try {
      record = await findGeneration(node, id);
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return streamSSE(c, async (stream) => {
      let seq = 0;
      const send = (e: GenerationEvent) =>
        stream.writeSSE({ event: e.type, id: String(++seq), data: JSON.stringify(e) });
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => {}), heartbeatMs);
      stream.onAbort(() => wake?.());
      try {
        if (FINAL.includes(record.status)) {
          await send({ type: 'result', id, record });
          return;
        }
        await send({ type: 'status', id, status: record.status });
        while (!stream.aborted) {
          const e = queue.shift();
          if (e) {
            await send(e);
            if (e.type === 'result') return;
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
      }
    });
  });
}
