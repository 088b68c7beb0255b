import { LIMITS } from '../collab/index.js';
import { fromZod, jsonContent, ref, type Schema } from './openapi-components.js';
import type { PathHelpers } from './openapi-patterns.js';
import { AnnotationPatchBodySchema, CommentBodySchema, CommentEditBodySchema } from './routes/collab.js';

/** Live collaboration (routes/collab.ts): the tenant-wide event stream and the shared annotations. */
const FIELD: Schema = {
  type: 'object',
  required: ['value', 'version', 'by', 'at'],
  properties: {
    value: { type: ['string', 'number', 'boolean', 'null'] },
    version: { type: 'integer', minimum: 1, description: '1 when first set, +1 for each accepted write' },
    by: { type: 'string' },
    at: { type: 'number', description: 'epoch ms' },
  },
};

const COMMENT: Schema = {
  type: 'object',
  required: ['id', 'author', 'text', 'at', 'version'],
  properties: {
    id: { type: 'string', pattern: '^c[1-9]\\d{0,5}$' },
    author: { type: 'string' },
    text: { type: 'string' },
    at: { type: 'number' },
    version: { type: 'integer', minimum: 1, description: '1 when added, +1 for each accepted edit' },
    edited: { type: 'number', description: 'when last edited (epoch ms)' },
    editedBy: { type: 'string', description: 'who edited it last, when not its author' },
  },
};

const fields = { type: 'object', additionalProperties: ref('AnnotationField') };

export const COLLAB_COMPONENTS: Record<string, Schema> = {
  AnnotationField: FIELD,
  AnnotationComment: COMMENT,
  Annotation: {
    type: 'object',
    required: ['generationId', 'fields', 'comments', 'version'],
    properties: {
      generationId: { type: 'string' },
      fields,
      comments: { type: 'array', items: ref('AnnotationComment'), maxItems: LIMITS.comments },
      version: { type: 'integer', description: '+1 for each accepted write; 0: never written' },
    },
  },
  CommentWrite: {
    type: 'object',
    required: ['generationId', 'version', 'comment'],
    properties: {
      generationId: { type: 'string' },
      version: { type: 'integer', description: "the annotation's version after the write" },
      comment: ref('AnnotationComment'),
    },
  },
  FieldsWrite: {
    type: 'object',
    required: ['generationId', 'version', 'fields'],
    properties: {
      generationId: { type: 'string' },
      version: { type: 'integer', description: "the annotation's version after the write" },
      fields: { ...fields, description: 'every field after the write' },
    },
  },
  AnnotationConflict: {
    type: 'object',
    required: ['error'],
    description:
      'ANNOTATION_CONFLICT: nothing was written; merge with `details.current` and retry with its versions',
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'details'],
        properties: {
          code: { const: 'COLLAB_ANNOTATION_CONFLICT' },
          message: { type: 'string' },
          details: {
            type: 'object',
            required: ['generationId', 'stale', 'current'],
            properties: {
              generationId: { type: 'string' },
              stale: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    kind: { enum: ['field', 'comment'] },
                    name: { type: 'string', description: "the field's name or the comment's id" },
                    baseVersion: { type: 'integer' },
                    version: { type: 'integer', description: 'the current one (0: the field is not set)' },
                  },
                },
              },
              current: {
                type: 'object',
                description:
                  'the annotation version and every field (a field write) or the comment (an edit)',
                properties: { version: { type: 'integer' }, fields, comment: ref('AnnotationComment') },
              },
            },
          },
        },
      },
    },
  },
  CollabEvent: {
    type: 'object',
    required: ['type'],
    description:
      'the data of an event of GET /v1/events (the SSE event name is its type). Published events have `seq` (+1 each) and `at`: `generation` {id, status: queued | running | succeeded | failed | cancelled}, `progress` {id, language, phase, detail?}, `result` {id, status, languages: [{language, q?, status?}], error?, cachedFrom?}, `rating` {cid, name?, stars, comment?}, `pack-install` {cid, name, version, already, from?}, `annotation` {generationId, version, change: {kind: comment-added | comment-edited, comment} | {kind: fields, fields}}. To this stream only: `ready` {seq, resumed} first, `reload` {seq, message} (resume not possible: read the state again), `lagged` {lastSeq, message} last (the client fell behind: reconnect)',
    properties: {
      type: {
        enum: [
          'ready',
          'generation',
          'progress',
          'result',
          'rating',
          'pack-install',
          'annotation',
          'reload',
          'lagged',
        ],
      },
      seq: { type: 'integer' },
      at: { type: 'number' },
    },
  },
  CommentRequest: fromZod(CommentBodySchema),
  CommentEditRequest: fromZod(CommentEditBodySchema),
  AnnotationPatchRequest: fromZod(AnnotationPatchBodySchema),
};

const generationId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'generation id',
  schema: { type: 'string', pattern: '^[\\w.:-]{1,200}$' },
};

/** The collaboration routes of the OpenAPI document. */
export function collabPaths({ body, read, errors, write }: PathHelpers): Record<string, unknown> {
  const conflict = {
    '409': {
      description:
        'a baseVersion that is not the current version: nothing was written; the details carry the current state',
      content: jsonContent(ref('AnnotationConflict')),
    },
  };
  const full = {
    '422': {
      description: `the annotation is full (at most ${LIMITS.fields} fields, ${LIMITS.comments} comments): COLLAB_ANNOTATION_LIMIT`,
      content: jsonContent(ref('Error')),
    },
  };
  return {
    '/v1/events': {
      get: {
        summary:
          "the tenant's live stream as server-sent events: generations queued, started, progressing and ended, their results, ratings, pack installs, annotation changes; `ready` first, keep-alive comments between; a client that falls 256 events behind gets `lagged` and the stream ends. Reconnecting with Last-Event-ID resumes after that event while the node still holds it (the last 128), else `reload`",
        security: [{}, { bearerAuth: [] }],
        parameters: [
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description: 'the id of the last event received (EventSource sends it when it reconnects)',
            schema: { type: 'string', maxLength: 100 },
          },
          {
            name: 'lastEventId',
            in: 'query',
            required: false,
            description: 'the same, for clients that cannot set the header',
            schema: { type: 'string', maxLength: 100 },
          },
        ],
        responses: {
          '200': {
            description: "event stream; each event's data is a CollabEvent, its id `<stream>-<seq>`",
            content: { 'text/event-stream': { schema: ref('CollabEvent') } },
          },
          '429': {
            description:
              'as many live streams are open as the node serves (1,000): try again after Retry-After',
            content: jsonContent(ref('Error')),
          },
          ...errors(400, 401, 500, 503),
        },
      },
    },
    '/v1/generations/{id}/annotation': {
      get: read(
        "a generation's shared annotation: its fields (each with its version) and its comment thread",
        ref('Annotation'),
        { parameters: [generationId] },
        [400, 404],
      ),
      patch: {
        summary:
          'set fields of the annotation, all or none: each names the version it is based on (0 for a field not set); the last writer wins among those that saw the current version, a stale one is 409 with the current fields',
        security: write,
        parameters: [generationId],
        requestBody: body('AnnotationPatchRequest'),
        responses: {
          '200': { description: 'written', content: jsonContent(ref('FieldsWrite')) },
          ...conflict,
          ...full,
          ...errors(400, 401, 404, 413, 415, 429, 500, 503),
        },
      },
    },
    '/v1/generations/{id}/comments': {
      post: {
        summary: 'add a comment to the annotation (never conflicts)',
        security: write,
        parameters: [generationId],
        requestBody: body('CommentRequest'),
        responses: {
          '201': {
            description: 'added',
            headers: { Location: { schema: { type: 'string' }, description: 'the annotation' } },
            content: jsonContent(ref('CommentWrite')),
          },
          ...full,
          ...errors(400, 401, 404, 413, 415, 429, 500, 503),
        },
      },
    },
    '/v1/generations/{id}/comments/{commentId}': {
      patch: {
        summary:
          "edit a comment's text, based on its current version (baseVersion); a stale edit is 409 with the current comment",
        security: write,
        parameters: [
          generationId,
          {
            name: 'commentId',
            in: 'path',
            required: true,
            description: 'c1, c2, ...',
            schema: { type: 'string', pattern: '^c[1-9]\\d{0,5}$' },
          },
        ],
        requestBody: body('CommentEditRequest'),
        responses: {
          '200': { description: 'edited', content: jsonContent(ref('CommentWrite')) },
          ...conflict,
          ...errors(400, 401, 404, 413, 415, 429, 500, 503),
        },
      },
    },
  };
}
