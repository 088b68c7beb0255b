import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import {
  AuthorSchema,
  BaseVersionSchema,
  COMMENT_ID,
  CommentTextSchema,
  type Delivery,
  FieldNameSchema,
  FieldValueSchema,
  LIMITS,
} from '../../collab/index.js';
import { principalOf } from '../auth.js';
import type { RouteContext } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { idParam, parseWith, readJson, singleQuery } from '../validate.js';
import { findGeneration } from './generations.js';

const author = AuthorSchema.optional().describe(
  'who writes, for the node operator\'s token only (default "operator"); a tenant\'s token writes as its own name',
);

/** A tenant's token writes as its name (no one signs as another); the operator may name who it writes for. */
const writer = (c: Context, given: string | undefined): string => {
  const p = principalOf(c)!;
  return p.operator ? (given ?? p.name) : p.name;
};

export const CommentBodySchema = z
  .object({
    text: CommentTextSchema.describe(`the comment (at most ${LIMITS.commentBytes} bytes, UTF-8)`),
    author,
  })
  .strict();

export const CommentEditBodySchema = z
  .object({
    text: CommentTextSchema.describe(`the new text (at most ${LIMITS.commentBytes} bytes, UTF-8)`),
    baseVersion: BaseVersionSchema.describe(
      "the comment's version the edit is based on (409 if not current)",
    ),
    author,
  })
  .strict();

export const AnnotationPatchBodySchema = z
  .object({
    fields: z
      .record(
        FieldNameSchema,
        z
          .object({
            value: FieldValueSchema.describe(
              `a string of at most ${LIMITS.valueBytes} bytes (UTF-8), a number, a boolean or null`,
            ),
            baseVersion: BaseVersionSchema.describe(
              "the field's version the write is based on: 0 for a field not set yet (409 if not current)",
            ),
          })
          .strict(),
      )
      .refine((f) => Object.keys(f).length >= 1, 'name at least one field')
      .refine((f) => Object.keys(f).length <= LIMITS.fields, `at most ${LIMITS.fields} fields`)
      .describe('the fields to set, all or none'),
    author,
  })
  .strict();

export const EventsQuerySchema = z
  .object({
    lastEventId: z
      .string()
      .max(100)
      .optional()
      .describe('resume after this event (as the Last-Event-ID header, for clients that cannot send it)'),
  })
  .strict();

/** how long an EventSource waits before it reconnects (sent once, with `ready`) */
const RETRY_MS = 2_000;

/**
 * GET /v1/events: the tenant-wide live stream (server-sent events) and the shared annotation of
 * each generation: GET .../annotation, POST .../comments, PATCH .../comments/:commentId, PATCH
 * .../annotation. Writes based on a version that is no longer current are 409 with the current
 * state. Each tenant has its own stream and annotations (the request's tenant's node.collab).
 */
export function collabRoutes(app: Hono, { tenant, auth, heartbeatMs }: RouteContext): void {
  app.get('/v1/events', auth.read, async (c) => {
    const { collab } = await tenant(c);
    const { lastEventId: fromQuery } = parseWith(EventsQuerySchema, singleQuery(c).query, 'query');
    const header = c.req.header('last-event-id');
    // an id too long to be ours is not refused: the client is told to reload, as for any unknown id
    const lastEventId = (header ?? fromQuery)?.slice(0, 100);
    // subscribe before the stream opens: a refusal (too many streams) is still a JSON answer, and
    // what is published meanwhile waits in the subscriber's bounded queue
    let opened!: (s: Parameters<Parameters<typeof streamSSE>[1]>[0]) => void;
    const stream = new Promise<Parameters<Parameters<typeof streamSSE>[1]>[0]>((r) => (opened = r));
    let finish!: () => void;
    const ended = new Promise<void>((r) => (finish = r));
    const unsubscribe = collab.subscribe(
      async (d: Delivery) => {
        const s = await stream;
        if (s.aborted) throw new Error('the client went away');
        if (d.type === 'lagged' || d.type === 'reload') {
          await s.writeSSE({ event: d.type, data: JSON.stringify(d) });
          if (d.type === 'lagged') finish();
          return;
        }
        await s.writeSSE({ event: d.type, id: collab.eventId(d), data: JSON.stringify(d) });
      },
      lastEventId === undefined ? {} : { lastEventId },
    );
    const { seq } = collab.stats();
    return streamSSE(c, async (s) => {
      let beating = false;
      const heartbeat = setInterval(() => {
        // one keep-alive at a time: a client that does not read does not pile them up
        if (beating) return;
        beating = true;
        void s
          .write(': keep-alive\n\n')
          .catch(() => {})
          .finally(() => (beating = false));
      }, heartbeatMs);
      s.onAbort(() => finish());
      try {
        // where the stream starts; a fresh stream's id is its position, so a reconnect resumes from it
        await s.writeSSE({
          event: 'ready',
          data: JSON.stringify({ seq, resumed: lastEventId !== undefined }),
          retry: RETRY_MS,
          ...(lastEventId === undefined ? { id: collab.eventId({ seq }) } : {}),
        });
        opened(s);
        await ended;
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
        // a delivery still waiting for the stream finds it closed and ends
        opened(s);
      }
    });
  });

  app.get('/v1/generations/:id/annotation', auth.read, async (c) => {
    const node = await tenant(c);
    const { id } = await findGeneration(node, idParam(c, 'id'));
    return c.json(await node.collab.annotation(id));
  });

  app.post('/v1/generations/:id/comments', auth.write, async (c) => {
    const wanted = idParam(c, 'id');
    const body = await readJson(c, CommentBodySchema);
    const node = await tenant(c);
    const { id } = await findGeneration(node, wanted);
    const written = await node.collab.addComment(id, writer(c, body.author), body.text);
    c.header('Location', `/v1/generations/${encodeURIComponent(id)}/annotation`);
    return c.json(written, 201);
  });

  app.patch('/v1/generations/:id/comments/:commentId', auth.write, async (c) => {
    const wanted = idParam(c, 'id');
    const commentId = idParam(c, 'commentId', COMMENT_ID, 'a comment id: c1, c2, ...');
    const body = await readJson(c, CommentEditBodySchema);
    const node = await tenant(c);
    const { id } = await findGeneration(node, wanted);
    return c.json(
      await node.collab.editComment(id, commentId, body.text, body.baseVersion, writer(c, body.author)),
    );
  });

  app.patch('/v1/generations/:id/annotation', auth.write, async (c) => {
    const wanted = idParam(c, 'id');
    const body = await readJson(c, AnnotationPatchBodySchema);
    const node = await tenant(c);
    const { id } = await findGeneration(node, wanted);
    if (Object.hasOwn(body.fields, '__proto__'))
      throw new ApiError(ApiErrorCode.INVALID_BODY, 'fields.__proto__: not a field name');
    return c.json(await node.collab.setFields(id, body.fields, writer(c, body.author)));
  });
}
