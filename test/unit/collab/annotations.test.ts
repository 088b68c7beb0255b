import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CollabError,
  CollabErrorCode,
  type CollabEvent,
  type Collaboration,
  createCollaboration,
  type Delivery,
  LIMITS,
} from '../../../node/collab/index.js';
import { createStore, type Store } from '../../../node/storage/index.js';

let dir: string;
let store: Store;
let collab: Collaboration;
/** every event the hub published, in order */
let seen: CollabEvent[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weavergen-collab-'));
  store = await createStore({ path: join(dir, 'db') });
  collab = createCollaboration({ store });
  seen = [];
  collab.subscribe((d: Delivery) => {
    if (d.type !== 'lagged' && d.type !== 'reload') seen.push(d);
  });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const G = '000001765000000000-abcdef01';

/** the error a promise rejects with */
async function failure(p: Promise<unknown>): Promise<CollabError> {
  try {
    await p;
  } catch (e) {
    return e as CollabError;
  }
  throw new Error('expected a rejection');
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('annotations: comments', () => {
  it('an annotation never written is empty at version 0', async () => {
    expect(await collab.annotation(G)).toEqual({ generationId: G, fields: {}, comments: [], version: 0 });
  });

  it('10 concurrent writers x 20 comments each: all 200 are there, each writer in its own order', async () => {
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; i < 20; i++) await collab.addComment(G, `writer-${w}`, `comment ${i} of ${w}`);
      }),
    );
    const a = await collab.annotation(G);
    expect(a.comments).toHaveLength(200);
    expect(a.version).toBe(200);
    expect(new Set(a.comments.map((c) => c.id)).size).toBe(200);
    expect(a.comments.map((c) => c.id)).toEqual(Array.from({ length: 200 }, (_, i) => `c${i + 1}`));
    for (let w = 0; w < 10; w++) {
      const mine = a.comments.filter((c) => c.author === `writer-${w}`).map((c) => c.text);
      expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => `comment ${i} of ${w}`));
    }
    // and on disk: a second store on the same folder after closing this one reads the same
    await store.close();
    store = await createStore({ path: join(dir, 'db') });
    const again = await createCollaboration({ store }).annotation(G);
    expect(again).toEqual(a);
  });

  it('all writes at once (no awaiting between them) are all kept too, and each is published once with its version', async () => {
    const writes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => collab.addComment(G, undefined, `at once ${i}`)),
    );
    expect(new Set(writes.map((w) => w.version)).size).toBe(50);
    expect((await collab.annotation(G)).comments).toHaveLength(50);
    expect(writes[0].comment.author).toBe('anonymous');
    await settle();
    const versions = seen
      .filter((e) => e.type === 'annotation')
      .map((e) => e.type === 'annotation' && e.version);
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('an edit names the version it is based on: a stale one is refused with the current comment', async () => {
    const { comment } = await collab.addComment(G, 'ann', 'first text');
    const ok = await collab.editComment(G, comment.id, 'second text', 1, 'bob');
    expect(ok.comment).toMatchObject({
      id: 'c1',
      text: 'second text',
      version: 2,
      author: 'ann',
      editedBy: 'bob',
    });
    expect(ok.comment.edited).toBeGreaterThan(0);
    const e = await failure(collab.editComment(G, comment.id, 'third text from a stale copy', 1, 'carol'));
    expect(e.code).toBe(CollabErrorCode.ANNOTATION_CONFLICT);
    expect(e.type).toMatchObject({
      stale: [{ kind: 'comment', name: 'c1', baseVersion: 1, version: 2 }],
      current: { version: 2, comment: { text: 'second text', version: 2 } },
    });
    expect((await collab.annotation(G)).comments[0].text).toBe('second text');
    const missing = await failure(collab.editComment(G, 'c9', 'x', 1));
    expect(missing.code).toBe(CollabErrorCode.COMMENT_NOT_FOUND);
    expect((await failure(collab.editComment(G, 'nine', 'x', 1))).code).toBe(CollabErrorCode.BAD_INPUT);
  });

  it('concurrent edits of one comment: exactly one per version wins, the others are told to merge', async () => {
    await collab.addComment(G, 'ann', 'v1');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => collab.editComment(G, 'c1', `edit ${i}`, 1, `e${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(9);
    for (const r of refused)
      expect((r as PromiseRejectedResult).reason.code).toBe(CollabErrorCode.ANNOTATION_CONFLICT);
  });
});

describe('annotations: fields', () => {
  it('10 concurrent editors incrementing one field with read-modify-write and retry on conflict: no increment is lost', async () => {
    const EDITORS = 10;
    const EACH = 10;
    let conflicts = 0;
    const increment = async (who: string) => {
      for (;;) {
        const a = await collab.annotation(G);
        const f = a.fields.count;
        try {
          await collab.setField(G, 'count', ((f?.value as number) ?? 0) + 1, f?.version ?? 0, who);
          return;
        } catch (e) {
          if ((e as CollabError).code !== CollabErrorCode.ANNOTATION_CONFLICT) throw e;
          conflicts++;
        }
      }
    };
    await Promise.all(
      Array.from({ length: EDITORS }, async (_, w) => {
        for (let i = 0; i < EACH; i++) await increment(`editor-${w}`);
      }),
    );
    const a = await collab.annotation(G);
    expect(a.fields.count.value).toBe(EDITORS * EACH);
    expect(a.fields.count.version).toBe(EDITORS * EACH);
    // every accepted write and nothing else moved the annotation's version
    expect(a.version).toBe(EDITORS * EACH);
    // they did race (a read-modify-write without the version check would have lost these)
    expect(conflicts).toBeGreaterThan(0);
  });

  it('a stale write is refused with the current fields, all or nothing', async () => {
    await collab.setFields(
      G,
      { status: { value: 'triaged', baseVersion: 0 }, owner: { value: 'ann', baseVersion: 0 } },
      'ann',
    );
    await collab.setField(G, 'status', 'fixed', 1, 'bob');
    const e = await failure(
      collab.setFields(
        G,
        { owner: { value: 'carol', baseVersion: 1 }, status: { value: 'wontfix', baseVersion: 1 } },
        'carol',
      ),
    );
    expect(e.code).toBe(CollabErrorCode.ANNOTATION_CONFLICT);
    expect(e.type).toMatchObject({
      generationId: G,
      stale: [{ kind: 'field', name: 'status', baseVersion: 1, version: 2 }],
      current: {
        version: 2,
        fields: {
          status: { value: 'fixed', version: 2, by: 'bob' },
          owner: { value: 'ann', version: 1, by: 'ann' },
        },
      },
    });
    // owner's part of the refused write was not written either
    const a = await collab.annotation(G);
    expect(a.fields.owner).toMatchObject({ value: 'ann', version: 1 });
    expect(a.version).toBe(2);
    // a new field is based on version 0; a field named with another version than 0 while unset conflicts
    expect((await failure(collab.setField(G, 'fresh', 1, 3))).code).toBe(CollabErrorCode.ANNOTATION_CONFLICT);
    expect((await collab.setField(G, 'fresh', true, 0)).fields.fresh).toMatchObject({
      value: true,
      version: 1,
      by: 'anonymous',
    });
    await settle();
    const fieldEvents = seen.filter((x) => x.type === 'annotation' && x.change.kind === 'fields');
    expect(fieldEvents.map((x) => x.type === 'annotation' && x.version)).toEqual([1, 2, 3]);
  });
});

describe('annotations: limits', () => {
  it(`at most ${LIMITS.fields} fields`, async () => {
    const many = Object.fromEntries(
      Array.from({ length: 32 }, (_, i) => [`f${i}`, { value: i, baseVersion: 0 }]),
    );
    await collab.setFields(G, many);
    const e = await failure(collab.setField(G, 'one.more', 'x', 0));
    expect(e.code).toBe(CollabErrorCode.ANNOTATION_LIMIT);
    expect(e.type).toMatchObject({ limit: 'fields', max: 32 });
    // an existing field can still be written
    await collab.setField(G, 'f0', 'changed', 1);
  });

  it('names, sizes of values, comments and authors', async () => {
    const bad = async (p: Promise<unknown>, code: CollabErrorCode) =>
      expect((await failure(p)).code).toBe(code);
    await bad(collab.setField(G, 'Upper', 1, 0), CollabErrorCode.BAD_INPUT);
    await bad(collab.setField(G, 'x'.repeat(65), 1, 0), CollabErrorCode.BAD_INPUT);
    await bad(collab.setField(G, '__proto__', 1, 0), CollabErrorCode.BAD_INPUT);
    await bad(collab.setField(G, 'ok', 1, -1), CollabErrorCode.BAD_INPUT);
    await bad(collab.setFields(G, {}), CollabErrorCode.BAD_INPUT);
    // 4 KiB of UTF-8: 2,049 two-byte characters are 4,098 bytes
    await bad(collab.setField(G, 'big', 'é'.repeat(2049), 0), CollabErrorCode.ANNOTATION_LIMIT);
    await collab.setField(G, 'big', 'é'.repeat(2048), 0);
    await bad(collab.setField(G, 'obj', { nested: true } as never, 0), CollabErrorCode.ANNOTATION_LIMIT);
    await bad(collab.addComment(G, 'ann', 'x'.repeat(8 * 1024 + 1)), CollabErrorCode.ANNOTATION_LIMIT);
    await bad(collab.addComment(G, 'ann', ''), CollabErrorCode.BAD_INPUT);
    await bad(collab.addComment(G, 'a'.repeat(129), 'hi'), CollabErrorCode.ANNOTATION_LIMIT);
    await bad(collab.addComment('../etc', 'ann', 'hi'), CollabErrorCode.BAD_INPUT);
    await collab.addComment(G, 'a'.repeat(128), 'x'.repeat(8 * 1024));
    expect((await collab.annotation(G)).version).toBe(2);
  });

  it(`at most ${LIMITS.comments} comments`, async () => {
    await Promise.all(
      Array.from({ length: LIMITS.comments }, (_, i) => collab.addComment(G, 'ann', `#${i}`)),
    );
    const e = await failure(collab.addComment(G, 'ann', 'one too many'));
    expect(e.code).toBe(CollabErrorCode.ANNOTATION_LIMIT);
    expect(e.type).toMatchObject({ limit: 'comments', max: 1000 });
    const a = await collab.annotation(G);
    expect(a.comments).toHaveLength(1000);
    // editing is still possible
    await collab.editComment(G, 'c1000', 'edited', 1);
  });

  it('generations do not share annotations (a key prefix keeps tenants apart too)', async () => {
    await collab.addComment(G, 'ann', 'on G');
    await collab.addComment(`${G}.2`, 'ann', 'on G.2');
    expect((await collab.annotation(G)).comments.map((c) => c.text)).toEqual(['on G']);
    const other = createCollaboration({ store }, { keyPrefix: 'tenant-b!' });
    expect((await other.annotation(G)).version).toBe(0);
  });
});
