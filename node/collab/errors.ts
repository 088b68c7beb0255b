import { WeaverError } from '../../errors/index.js';
import type { AnnotationComment, AnnotationField } from './types.js';

export enum CollabErrorCode {
  /** a write made on an older version of a field or comment than the current one: merge and retry */
  ANNOTATION_CONFLICT = 'COLLAB_ANNOTATION_CONFLICT',
  /** an annotation that is full (fields, comments) or a value, text or author past its size */
  ANNOTATION_LIMIT = 'COLLAB_ANNOTATION_LIMIT',
  /** no comment of that id in the generation's annotation */
  COMMENT_NOT_FOUND = 'COLLAB_COMMENT_NOT_FOUND',
  /** a generation id, field name or comment id that is not one */
  BAD_INPUT = 'COLLAB_BAD_INPUT',
  /** as many live streams open as the hub allows: try again after `retryAfterS` */
  TOO_MANY_SUBSCRIBERS = 'COLLAB_TOO_MANY_SUBSCRIBERS',
}

/** One stale part of a write: what the writer based it on and what is current. */
export interface StaleItem {
  /** `field` or `comment` */
  kind: 'field' | 'comment';
  /** the field's name or the comment's id */
  name: string;
  baseVersion: number;
  /** the current version (0: the field has never been set) */
  version: number;
}

export type CollabErrorType =
  | {
      code: CollabErrorCode.ANNOTATION_CONFLICT;
      generationId: string;
      stale: StaleItem[];
      /** the current state of what was written: the fields (all of them) or the comment, and the annotation's version */
      current: { version: number; fields?: Record<string, AnnotationField>; comment?: AnnotationComment };
    }
  | { code: CollabErrorCode.ANNOTATION_LIMIT; generationId: string; limit: string; max: number }
  | { code: CollabErrorCode.COMMENT_NOT_FOUND; generationId: string; commentId: string }
  | { code: CollabErrorCode.BAD_INPUT; field: string; message: string }
  | { code: CollabErrorCode.TOO_MANY_SUBSCRIBERS; max: number; retryAfterS: number };

export class CollabError extends WeaverError<CollabErrorType> {}
