import { z } from 'zod';

/** The limits of one generation's annotation (zod checks them at the API and in the part). */
export const LIMITS = {
  /** field names: lowercase letters, digits and `_.-` */
  fieldName: /^[a-z0-9_.-]{1,64}$/,
  fields: 32,
  /** a field's value, UTF-8 bytes (a string's; numbers, booleans and null are small) */
  valueBytes: 4 * 1024,
  /** a comment's text, UTF-8 bytes */
  commentBytes: 8 * 1024,
  comments: 1000,
  authorChars: 128,
} as const;

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export const FieldNameSchema = z
  .string()
  .regex(LIMITS.fieldName, 'a field name: lowercase letters, digits and _.- (1 to 64)')
  .refine((n) => n !== '__proto__', 'a field name: not __proto__');

export const FieldValueSchema = z.union([
  z
    .string()
    .max(LIMITS.valueBytes)
    .refine((s) => utf8Bytes(s) <= LIMITS.valueBytes, `at most ${LIMITS.valueBytes} bytes (UTF-8)`),
  z.number().finite(),
  z.boolean(),
  z.null(),
]);
export type FieldValue = z.infer<typeof FieldValueSchema>;

export const CommentTextSchema = z
  .string()
  .min(1)
  .max(LIMITS.commentBytes)
  .refine((s) => utf8Bytes(s) <= LIMITS.commentBytes, `at most ${LIMITS.commentBytes} bytes (UTF-8)`);

export const AuthorSchema = z.string().min(1).max(LIMITS.authorChars);

/** a version a write is based on: 0 for a field never set */
export const BaseVersionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Comment ids are `c<n>`, n counting from 1 in the order the comments were added. */
export const COMMENT_ID = /^c[1-9]\d{0,5}$/;

/** A generation id as the node makes them (and the API accepts them). */
export const GENERATION_ID = /^[\w.:-]{1,200}$/;

/** A field of an annotation: last writer wins, but only a writer that saw the current version. */
export interface AnnotationField {
  value: FieldValue;
  /** 1 when first set, +1 for each accepted write */
  version: number;
  /** who wrote the current value */
  by: string;
  /** when (epoch ms) */
  at: number;
}

export interface AnnotationComment {
  id: string;
  author: string;
  text: string;
  /** when it was added (epoch ms) */
  at: number;
  /** 1 when added, +1 for each accepted edit */
  version: number;
  /** when it was last edited (epoch ms) */
  edited?: number;
  /** who edited it last, when not its author */
  editedBy?: string;
}

/** The shared annotation of one generation. */
export interface Annotation {
  generationId: string;
  fields: Record<string, AnnotationField>;
  /** oldest first */
  comments: AnnotationComment[];
  /** +1 for each accepted write of any kind; 0: never written */
  version: number;
}

/** A change of fields, each based on the version its writer saw (0: not set yet). */
export type FieldChanges = Record<string, { value: FieldValue; baseVersion: number }>;

/**
 * What the tenant-wide live stream carries (GET /v1/events). Each event the hub publishes gets a
 * sequence number (`seq`, increasing by one) and the time it was published; `lagged` and `reload`
 * are said to one subscriber only and carry neither.
 */
export type CollabEventBody =
  /** a generation queued, started (running) or ended (succeeded, failed, cancelled) */
  | { type: 'generation'; id: string; status: string }
  | { type: 'progress'; id: string; language: string; phase: string; detail?: string }
  /** a generation's result, summed up (GET /v1/generations/:id has the record) */
  | {
      type: 'result';
      id: string;
      status: string;
      languages: { language: string; q?: number; status?: string }[];
      error?: string;
      cachedFrom?: string;
    }
  | { type: 'rating'; cid: string; name?: string; stars: number; comment?: string }
  | { type: 'pack-install'; cid: string; name: string; version: string; already: boolean; from?: string }
  | {
      type: 'annotation';
      generationId: string;
      /** the annotation's version after the change */
      version: number;
      change:
        | { kind: 'comment-added'; comment: AnnotationComment }
        | { kind: 'comment-edited'; comment: AnnotationComment }
        | { kind: 'fields'; fields: Record<string, AnnotationField> };
    };

export type CollabEvent = CollabEventBody & { seq: number; at: number };

/** Said to one subscriber: it fell behind and is dropped (reconnect with Last-Event-ID) */
export interface LaggedEvent {
  type: 'lagged';
  /** the last seq it was given */
  lastSeq: number;
  message: string;
}

/** Said to one subscriber that asked to resume from an event no longer held: read the state again */
export interface ReloadEvent {
  type: 'reload';
  /** the newest seq now */
  seq: number;
  message: string;
}

export type Delivery = CollabEvent | LaggedEvent | ReloadEvent;
