import type { Store } from '../storage/index.js';
import { CollabError, CollabErrorCode, type StaleItem } from './errors.js';
import {
  type Annotation,
  type AnnotationComment,
  type AnnotationField,
  AuthorSchema,
  COMMENT_ID,
  type CollabEventBody,
  CommentTextSchema,
  type FieldChanges,
  FieldNameSchema,
  type FieldValue,
  FieldValueSchema,
  GENERATION_ID,
  LIMITS,
} from './types.js';

/**
 * The shared annotation of each generation, in the `annotations` sublevel:
 *   `<prefix><generation id>!m`            the head: fields, the annotation's version, comments so far
 *   `<prefix><generation id>!c!<000001>`   each comment, by the order it was added
 * A comment is a key of its own, so adding one writes a few KiB, not the whole thread.
 *
 * Concurrency: the writes to one generation's annotation run one at a time in this process (a
 * promise chain per generation); each reads the head, checks the versions the writer based it on,
 * and is written in one LevelDB write (a put, or a batch of the head and the comment: atomic), and
 * is acknowledged once that write resolved (LevelDB has it in its log). So an accepted write is
 * never lost, and none replaces another it did not see: a field or a comment is written only by a
 * writer that names its current version (last writer wins among those that saw the current
 * state); a stale one is refused with the current state (ANNOTATION_CONFLICT), to merge and retry.
 * Adding a comment never conflicts. A read is one iterator over the generation's keys: a snapshot.
 */
export interface Annotations {
  get(generationId: string): Promise<Annotation>;
  addComment(generationId: string, author: string, text: string): Promise<CommentWrite>;
  editComment(
    generationId: string,
    commentId: string,
    text: string,
    baseVersion: number,
    by?: string,
  ): Promise<CommentWrite>;
  /** All or nothing: every change must name its field's current version (0 for a field not set). */
  setFields(generationId: string, changes: FieldChanges, by?: string): Promise<FieldsWrite>;
}

export interface CommentWrite {
  generationId: string;
  /** the annotation's version after the write */
  version: number;
  comment: AnnotationComment;
}

export interface FieldsWrite {
  generationId: string;
  version: number;
  /** every field of the annotation after the write */
  fields: Record<string, AnnotationField>;
}

interface Head {
  generationId: string;
  version: number;
  fields: Record<string, AnnotationField>;
  /** comments added so far (the next one is `c<comments + 1>`) */
  comments: number;
}

export const ANONYMOUS = 'anonymous';

export function createAnnotations(
  store: Store,
  publish: (e: CollabEventBody) => void,
  keyPrefix = '',
): Annotations {
  const headKey = (g: string) => `${keyPrefix}${g}!m`;
  const commentKey = (g: string, n: number) => `${keyPrefix}${g}!c!${String(n).padStart(6, '0')}`;
  const chains = new Map<string, Promise<unknown>>();

  /** runs `fn` after every earlier write to the same generation has settled */
  function serialized<T>(generationId: string, fn: () => Promise<T>): Promise<T> {
    const previous = chains.get(generationId) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.catch(() => {});
    chains.set(generationId, tail);
    void tail.then(() => {
      if (chains.get(generationId) === tail) chains.delete(generationId);
    });
    return run;
  }

  const emptyHead = (generationId: string): Head => ({ generationId, version: 0, fields: {}, comments: 0 });
  const readHead = async (g: string) => (await store.get<Head>('annotations', headKey(g))) ?? emptyHead(g);
  // a comment and the head counting it, in one batch (acknowledged once written), then announced
  const writeComment = async (
    generationId: string,
    n: number,
    comment: AnnotationComment,
    next: Head,
    kind: 'comment-added' | 'comment-edited',
  ): Promise<CommentWrite> => {
    await store.batch([
      { type: 'put', sublevel: 'annotations', key: commentKey(generationId, n), value: comment },
      { type: 'put', sublevel: 'annotations', key: headKey(generationId), value: next },
    ]);
    publish({ type: 'annotation', generationId, version: next.version, change: { kind, comment } });
    return { generationId, version: next.version, comment };
  };

  return {
    async get(generationId) {
      checkId(generationId);
      let head = emptyHead(generationId);
      const comments: AnnotationComment[] = [];
      // one iterator: the head and the comments as of one moment
      for await (const batch of store.stream<Head | AnnotationComment>('annotations', {
        prefix: `${keyPrefix}${generationId}!`,
        batch: 200,
      })) {
        for (const [key, value] of batch) {
          if (key.endsWith('!m')) head = value as Head;
          else comments.push(value as AnnotationComment);
        }
      }
      return { generationId, fields: head.fields, comments, version: head.version };
    },

    async addComment(generationId, author, text) {
      checkId(generationId);
      const who = checkAuthor(generationId, author);
      checkText(generationId, text);
      return serialized(generationId, async () => {
        const head = await readHead(generationId);
        if (head.comments >= LIMITS.comments)
          throw limit(
            generationId,
            'comments',
            LIMITS.comments,
            `it has ${LIMITS.comments} comments already`,
          );
        const n = head.comments + 1;
        const comment: AnnotationComment = { id: `c${n}`, author: who, text, at: Date.now(), version: 1 };
        return writeComment(
          generationId,
          n,
          comment,
          { ...head, comments: n, version: head.version + 1 },
          'comment-added',
        );
      });
    },

    async editComment(generationId, commentId, text, baseVersion, by) {
      checkId(generationId);
      if (!COMMENT_ID.test(commentId))
        throw bad('commentId', `${JSON.stringify(commentId.slice(0, 40))} is not a comment id (c1, c2, ...)`);
      checkVersion(baseVersion);
      checkText(generationId, text);
      const who = by === undefined ? undefined : checkAuthor(generationId, by);
      const n = Number(commentId.slice(1));
      return serialized(generationId, async () => {
        const head = await readHead(generationId);
        const current =
          n <= head.comments
            ? await store.get<AnnotationComment>('annotations', commentKey(generationId, n))
            : undefined;
        if (!current)
          throw new CollabError(
            { code: CollabErrorCode.COMMENT_NOT_FOUND, generationId, commentId },
            `no comment ${commentId} on generation ${generationId}; GET /v1/generations/${generationId}/annotation lists them`,
          );
        if (current.version !== baseVersion)
          throw new CollabError(
            {
              code: CollabErrorCode.ANNOTATION_CONFLICT,
              generationId,
              stale: [{ kind: 'comment', name: commentId, baseVersion, version: current.version }],
              current: { version: head.version, comment: current },
            },
            `comment ${commentId} is at version ${current.version}, not ${baseVersion}: someone edited it since; merge with the current text (in details) and retry with baseVersion ${current.version}`,
          );
        const now = Date.now();
        const comment: AnnotationComment = {
          ...current,
          text,
          version: current.version + 1,
          edited: now,
          ...(who !== undefined && who !== current.author ? { editedBy: who } : {}),
        };
        if (who === undefined || who === current.author) delete comment.editedBy;
        return writeComment(
          generationId,
          n,
          comment,
          { ...head, version: head.version + 1 },
          'comment-edited',
        );
      });
    },

    async setFields(generationId, changes, by = ANONYMOUS) {
      checkId(generationId);
      const who = checkAuthor(generationId, by);
      const names = Object.keys(changes);
      if (names.length === 0) throw bad('fields', 'name at least one field to set');
      if (names.length > LIMITS.fields)
        throw limit(generationId, 'fields', LIMITS.fields, `${names.length} fields in one write`);
      const values = new Map<string, { value: FieldValue; baseVersion: number }>();
      for (const name of names) {
        if (!FieldNameSchema.safeParse(name).success)
          throw bad(
            `fields.${name.slice(0, 64)}`,
            'a field name is lowercase letters, digits and _.- (1 to 64), not __proto__',
          );
        const { value, baseVersion } = changes[name];
        checkVersion(baseVersion, `fields.${name}.baseVersion`);
        if (!FieldValueSchema.safeParse(value).success)
          throw limit(
            generationId,
            'valueBytes',
            LIMITS.valueBytes,
            `fields.${name}: a value is a string of at most ${LIMITS.valueBytes} bytes, a number, a boolean or null`,
          );
        values.set(name, { value, baseVersion });
      }
      return serialized(generationId, async () => {
        const head = await readHead(generationId);
        const stale: StaleItem[] = [];
        for (const [name, { baseVersion }] of values) {
          const version = Object.hasOwn(head.fields, name) ? head.fields[name].version : 0;
          if (version !== baseVersion) stale.push({ kind: 'field', name, baseVersion, version });
        }
        if (stale.length > 0)
          throw new CollabError(
            {
              code: CollabErrorCode.ANNOTATION_CONFLICT,
              generationId,
              stale,
              current: { version: head.version, fields: head.fields },
            },
            `${stale.map((s) => `${s.name} is at version ${s.version}, not ${s.baseVersion}`).join('; ')}: someone wrote since; nothing was written. Merge with the current fields (in details) and retry with their versions`,
          );
        const added = [...values.keys()].filter((n) => !Object.hasOwn(head.fields, n)).length;
        if (Object.keys(head.fields).length + added > LIMITS.fields)
          throw limit(
            generationId,
            'fields',
            LIMITS.fields,
            `it would have ${Object.keys(head.fields).length + added} fields`,
          );
        const at = Date.now();
        const changed: Record<string, AnnotationField> = Object.fromEntries(
          [...values].map(([name, { value, baseVersion }]) => [
            name,
            { value, version: baseVersion + 1, by: who, at },
          ]),
        );
        const next: Head = { ...head, fields: { ...head.fields, ...changed }, version: head.version + 1 };
        await store.put('annotations', headKey(generationId), next);
        publish({
          type: 'annotation',
          generationId,
          version: next.version,
          change: { kind: 'fields', fields: changed },
        });
        return { generationId, version: next.version, fields: next.fields };
      });
    },
  };
}

function bad(field: string, message: string): CollabError {
  return new CollabError({ code: CollabErrorCode.BAD_INPUT, field, message }, `${field}: ${message}`);
}

function limit(generationId: string, what: string, max: number, why: string): CollabError {
  return new CollabError(
    { code: CollabErrorCode.ANNOTATION_LIMIT, generationId, limit: what, max },
    `the annotation of generation ${generationId} is limited to ${max} ${what}: ${why}`,
  );
}

function checkId(generationId: string): void {
  if (!GENERATION_ID.test(generationId))
    throw bad('generationId', `${JSON.stringify(generationId.slice(0, 80))} is not a generation id`);
}

function checkVersion(v: number, field = 'baseVersion'): void {
  if (!Number.isSafeInteger(v) || v < 0) throw bad(field, 'a version is a whole number, 0 or more');
}

function checkAuthor(generationId: string, author: string): string {
  if (!AuthorSchema.safeParse(author).success)
    throw limit(generationId, 'authorChars', LIMITS.authorChars, 'an author is 1 to 128 characters');
  return author;
}

function checkText(generationId: string, text: string): void {
  if (typeof text !== 'string' || text.length === 0) throw bad('text', 'a comment has some text');
  if (!CommentTextSchema.safeParse(text).success)
    throw limit(generationId, 'commentBytes', LIMITS.commentBytes, 'a comment is at most 8 KiB (UTF-8)');
}
