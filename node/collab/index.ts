import type { GenerationEvent } from '../jobs/types.js';
import type { PatternEvent } from '../packs/market.js';
import type { Store } from '../storage/index.js';
import { ANONYMOUS, type CommentWrite, createAnnotations, type FieldsWrite } from './annotations.js';
import { fromGenerationEvent, fromPatternEvent } from './events.js';
import { createHub, type HubInit, type HubStats, type Listener, type SubscribeOptions } from './hub.js';
import type { Annotation, CollabEvent, CollabEventBody, FieldChanges, FieldValue } from './types.js';

export type { CommentWrite, FieldsWrite } from './annotations.js';
export { CollabError, CollabErrorCode, type StaleItem } from './errors.js';
export type { HubStats, Listener, SubscribeOptions } from './hub.js';
export * from './types.js';

/**
 * Live collaboration of one tenant: everyone watching the node sees the same live state (the
 * tenant-wide event stream: generations, progress, results, ratings, pack installs, annotation
 * changes) and shares one annotation per generation (fields and a comment thread) whose concurrent
 * writes are never lost: fields and comment edits are last-writer-wins with version checks (a write
 * based on a version that is no longer current is refused with the current state, 409), comments
 * are appended. See hub.ts and annotations.ts.
 */
export interface Collaboration {
  /** the generation's annotation (version 0, nothing in it, for one never annotated) */
  annotation(generationId: string): Promise<Annotation>;
  /** appends a comment: never conflicts (ANNOTATION_LIMIT past 1,000) */
  addComment(generationId: string, author: string | undefined, text: string): Promise<CommentWrite>;
  /** replaces a comment's text when `baseVersion` is its current version, else ANNOTATION_CONFLICT */
  editComment(
    generationId: string,
    commentId: string,
    text: string,
    baseVersion: number,
    by?: string,
  ): Promise<CommentWrite>;
  /** sets one field when `baseVersion` is its current version (0: never set), else ANNOTATION_CONFLICT */
  setField(
    generationId: string,
    name: string,
    value: FieldValue,
    baseVersion: number,
    by?: string,
  ): Promise<FieldsWrite>;
  /** sets several fields, all or none: ANNOTATION_CONFLICT naming every stale one */
  setFields(generationId: string, changes: FieldChanges, by?: string): Promise<FieldsWrite>;
  /** tells every subscriber (numbered, kept in the ring for resumes) */
  publish(event: CollabEventBody): CollabEvent;
  /** the live stream; see Hub.subscribe (throws TOO_MANY_SUBSCRIBERS past the limit) */
  subscribe(listener: Listener, options?: SubscribeOptions): () => void;
  /** the SSE id of an event (`<hub>-<seq>`), what a client sends back as Last-Event-ID */
  eventId(event: Pick<CollabEvent, 'seq'>): string;
  /** for jobs' events (wired by the node): published as `generation`, `progress`, `result` */
  onGenerationEvent(event: GenerationEvent): void;
  /** for the pattern service's events (wired by the node): `rating`, `pack-install` */
  onPatternEvent(event: PatternEvent): void;
  stats(): HubStats;
}

export interface CollabComponents {
  store: Store;
}

export interface CollabInit extends HubInit {
  /** put before every key in the `annotations` sublevel (e.g. a tenant's id and a separator) */
  keyPrefix?: string;
}

export function createCollaboration(components: CollabComponents, init: CollabInit = {}): Collaboration {
  const hub = createHub(init);
  const annotations = createAnnotations(components.store, (e) => hub.publish(e), init.keyPrefix ?? '');
  return {
    annotation: (id) => annotations.get(id),
    addComment: (id, author, text) => annotations.addComment(id, author ?? ANONYMOUS, text),
    editComment: (id, commentId, text, baseVersion, by) =>
      annotations.editComment(id, commentId, text, baseVersion, by),
    setField: (id, name, value, baseVersion, by) =>
      annotations.setFields(id, { [name]: { value, baseVersion } }, by),
    setFields: (id, changes, by) => annotations.setFields(id, changes, by),
    publish: (e) => hub.publish(e),
    subscribe: (listener, options) => hub.subscribe(listener, options),
    eventId: (e) => hub.eventId(e),
    onGenerationEvent: (e) => void hub.publish(fromGenerationEvent(e)),
    onPatternEvent: (e) => void hub.publish(fromPatternEvent(e)),
    stats: () => hub.stats(),
  };
}
