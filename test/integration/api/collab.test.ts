import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type Json, MINI_REGISTRY, type SseEvent, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  // 10 clients racing on one field retry often: the write rate limit is not what is tested here
  h = await startHarness({ heartbeatMs: 100 }, {}, undefined, {
    rateLimit: { perMinute: 100_000, burst: 10_000 },
  });
});

afterAll(async () => {
  await h?.stop();
});

/** A live SSE client: the events as they arrive, waits on them, and its end. */
interface Live {
  events: SseEvent[];
  comments: number;
  until(check: (e: SseEvent) => boolean, ms?: number): Promise<SseEvent>;
  close(): void;
  ended: Promise<void>;
}

async function listen(headers: Record<string, string> = {}): Promise<Live> {
  const abort = new AbortController();
  const res = await fetch(`${h.url}/v1/events`, { headers, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const live: Live = {
    events: [],
    comments: 0,
    async until(check, ms = 60_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = live.events.find(check);
        if (hit) return hit;
        if (Date.now() > end)
          throw new Error(`not seen in ${ms} ms; seen: ${live.events.map((e) => e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => abort.abort(),
    ended: Promise.resolve(),
  };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  live.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          if (lines.every((l) => l.startsWith(':'))) {
            live.comments++;
            continue;
          }
          const field = (name: string) =>
            lines
              .filter((l) => l.startsWith(`${name}:`))
              .map((l) => l.slice(name.length + 1).replace(/^ /, ''));
          live.events.push({
            event: field('event')[0] ?? 'message',
            id: field('id')[0],
            data: JSON.parse(field('data').join('\n')),
          });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  await live.until((e) => e.event === 'ready', 10_000);
  return live;
}

const data = (e: SseEvent) => e.data as Json;

async function generation(): Promise<string> {
  const res = await h.call('/v1/generate', {
    auth: true,
    json: { registry: MINI_REGISTRY, languages: ['python'], models: ['builtin'] },
  });
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

describe('live collaboration over HTTP', () => {
  let id: string;

  it("two SSE clients both see a generation start and finish, and each other's comment", async () => {
    const ann = await listen();
    const bob = await listen();
    try {
      id = await generation();
      for (const client of [ann, bob]) {
        await client.until(
          (e) => e.event === 'generation' && data(e).id === id && data(e).status === 'running',
        );
        const result = await client.until((e) => e.event === 'result' && data(e).id === id);
        expect(data(result)).toMatchObject({ id, status: 'succeeded', languages: [{ language: 'python' }] });
      }
      // the same events, in the same order, with the same ids, on both streams
      const mine = (l: typeof ann) => l.events.filter((e) => e.event !== 'ready' && data(e).id === id);
      expect(mine(ann).map((e) => `${e.id} ${e.event}`)).toEqual(mine(bob).map((e) => `${e.id} ${e.event}`));
      expect(mine(ann).map((e) => e.event)).toEqual(
        expect.arrayContaining(['generation', 'progress', 'result']),
      );
      const seqs = ann.events.filter((e) => e.id).map((e) => data(e).seq ?? Number(e.id!.split('-')[1]));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

      const a = await h.call(`/v1/generations/${id}/comments`, {
        auth: true,
        json: { text: 'looks right', author: 'ann' },
      });
      expect(a.status).toBe(201);
      expect(a.headers.get('location')).toBe(`/v1/generations/${id}/annotation`);
      const b = await h.call(`/v1/generations/${id}/comments`, {
        auth: true,
        json: { text: 'agreed', author: 'bob' },
      });
      expect(b.status).toBe(201);
      for (const client of [ann, bob]) {
        for (const [who, text] of [
          ['ann', 'looks right'],
          ['bob', 'agreed'],
        ]) {
          const seen = await client.until(
            (e) =>
              e.event === 'annotation' &&
              data(e).generationId === id &&
              data(e).change.comment?.author === who,
          );
          expect(data(seen).change).toMatchObject({ kind: 'comment-added', comment: { author: who, text } });
        }
      }
      // keep-alive comments flow between events
      for (let i = 0; i < 100 && ann.comments === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ann.comments).toBeGreaterThan(0);
    } finally {
      ann.close();
      bob.close();
    }
    const annotation = await (await h.call(`/v1/generations/${id}/annotation`)).json();
    expect(annotation).toMatchObject({
      generationId: id,
      version: 2,
      comments: [
        { id: 'c1', author: 'ann', text: 'looks right', version: 1 },
        { id: 'c2', author: 'bob', text: 'agreed', version: 1 },
      ],
    });
  });

  it('10 clients PATCH one field at once, retrying on 409: every write is counted', async () => {
    const CLIENTS = 10;
    const EACH = 5;
    let conflicts = 0;
    const increment = async (who: string) => {
      for (;;) {
        const current = (await (await h.call(`/v1/generations/${id}/annotation`)).json()).fields.count;
        const res = await h.call(`/v1/generations/${id}/annotation`, {
          method: 'PATCH',
          auth: true,
          json: {
            fields: { count: { value: (current?.value ?? 0) + 1, baseVersion: current?.version ?? 0 } },
            author: who,
          },
        });
        if (res.status === 200) return;
        const body = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(409);
        expect(body.error.code).toBe('COLLAB_ANNOTATION_CONFLICT');
        conflicts++;
      }
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; i < EACH; i++) await increment(`client-${c}`);
      }),
    );
    const annotation = await (await h.call(`/v1/generations/${id}/annotation`)).json();
    expect(annotation.fields.count).toMatchObject({ value: CLIENTS * EACH, version: CLIENTS * EACH });
    // 2 comments before, then one version per accepted write
    expect(annotation.version).toBe(2 + CLIENTS * EACH);
    expect(conflicts).toBeGreaterThan(0);
  });

  it('a stale baseVersion gets 409 with the current state, and nothing of the request is written', async () => {
    const before = await (await h.call(`/v1/generations/${id}/annotation`)).json();
    const res = await h.call(`/v1/generations/${id}/annotation`, {
      method: 'PATCH',
      auth: true,
      json: { fields: { count: { value: -1, baseVersion: 1 }, note: { value: 'new', baseVersion: 0 } } },
    });
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.error).toMatchObject({
      code: 'COLLAB_ANNOTATION_CONFLICT',
      details: {
        generationId: id,
        stale: [{ kind: 'field', name: 'count', baseVersion: 1, version: before.fields.count.version }],
        current: { version: before.version, fields: { count: before.fields.count } },
      },
    });
    const after = await (await h.call(`/v1/generations/${id}/annotation`)).json();
    expect(after).toEqual(before);

    // a comment edit the same way
    const edit = (baseVersion: number, text: string) =>
      h.call(`/v1/generations/${id}/comments/c1`, {
        method: 'PATCH',
        auth: true,
        json: { text, baseVersion },
      });
    expect((await edit(1, 'looks right, and tested')).status).toBe(200);
    const stale = await edit(1, 'looks wrong');
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.details.current.comment).toMatchObject({
      id: 'c1',
      text: 'looks right, and tested',
      version: 2,
    });
  });

  it('a reconnecting client resumes after its Last-Event-ID', async () => {
    const first = await listen();
    await h.call(`/v1/generations/${id}/comments`, { auth: true, json: { text: 'one' } });
    const one = await first.until((e) => e.event === 'annotation' && data(e).change.comment?.text === 'one');
    first.close();
    // published while nobody listens
    await h.call(`/v1/generations/${id}/comments`, { auth: true, json: { text: 'two' } });
    await h.call(`/v1/generations/${id}/comments`, { auth: true, json: { text: 'three' } });
    const again = await listen({ 'Last-Event-ID': one.id! });
    try {
      expect(data(again.events[0])).toMatchObject({ resumed: true });
      const texts = (
        await Promise.all(
          ['two', 'three'].map((t) =>
            again.until((e) => e.event === 'annotation' && data(e).change.comment?.text === t),
          ),
        )
      ).map((e) => data(e).change.comment.author);
      // written with the home's token and no author: the operator
      expect(texts).toEqual(['operator', 'operator']);
      expect(
        again.events.some((e) => e.event === 'annotation' && data(e).change.comment?.text === 'one'),
      ).toBe(false);
    } finally {
      again.close();
    }
    // an id it no longer holds (or never had): reload
    const lost = await listen({ 'Last-Event-ID': 'gone-1' });
    try {
      await lost.until((e) => e.event === 'reload', 5_000);
    } finally {
      lost.close();
    }
  });

  it('a client that does not read is dropped once 256 events wait for it; a reading one is not', async () => {
    const reading = await listen();
    const abort = new AbortController();
    const stalled = await fetch(`${h.url}/v1/events`, { signal: abort.signal });
    expect(stalled.status).toBe(200);
    const before = h.node.collab.stats();
    // 64 KiB events: the sockets' buffers fill after a few, then the node's queue for that client
    const big = 'x'.repeat(64 * 1024);
    try {
      for (let i = 0; i < 600; i++) {
        h.node.collab.publish({
          type: 'progress',
          id: 'load',
          language: 'python',
          phase: String(i),
          detail: big,
        });
        // the reading client is kept within 100 events (its queue holds 256), however slow the machine
        while (reading.events.length < i - 100) await new Promise((r) => setTimeout(r, 5));
      }
      const end = Date.now() + 10_000;
      while (h.node.collab.stats().lagged === before.lagged && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      expect(h.node.collab.stats().lagged).toBe(before.lagged + 1);
      expect(h.node.collab.stats().subscribers).toBe(before.subscribers - 1);
      await reading.until((e) => e.event === 'progress' && data(e).phase === '599', 30_000);
      expect(reading.events.filter((e) => e.event === 'progress' && data(e).id === 'load')).toHaveLength(600);
    } finally {
      abort.abort();
      reading.close();
    }
  });

  it('ratings and pack installs reach every stream', async () => {
    const live = await listen();
    try {
      const rated = await h.call('/v1/patterns/python-semconv/ratings', {
        auth: true,
        json: { stars: 4, comment: 'good' },
      });
      expect(rated.status).toBe(201);
      const installed = await h.call('/v1/patterns/typescript-semconv/install', { auth: true, json: {} });
      expect(installed.status).toBe(200);
      const rating = await live.until((e) => e.event === 'rating');
      expect(data(rating)).toMatchObject({ name: 'python-semconv', stars: 4, comment: 'good' });
      const install = await live.until((e) => e.event === 'pack-install');
      expect(data(install)).toMatchObject({ name: 'typescript-semconv', already: true });
    } finally {
      live.close();
    }
  });

  it("each tenant has its own stream and annotations: another tenant's events and generations are not seen", async () => {
    await h.node.tenancy.create({ id: 'acme', registryRoots: [dirname(MINI_REGISTRY)] });
    const dev = (await h.node.tenancy.createToken('acme', { name: 'dev', role: 'developer' })).secret;
    const viewer = (await h.node.tenancy.createToken('acme', { name: 'eve', role: 'viewer' })).secret;
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
    const ours = await listen();
    const theirs = await listen(bearer(viewer));
    try {
      const started = await fetch(`${h.url}/v1/generate`, {
        method: 'POST',
        headers: { ...bearer(dev), 'content-type': 'application/json' },
        body: JSON.stringify({ registry: MINI_REGISTRY, languages: ['python'], models: ['builtin'] }),
      });
      expect(started.status).toBe(202);
      const acmeId = (await started.json()).id;
      await theirs.until((e) => e.event === 'result' && data(e).id === acmeId);
      const commented = await fetch(`${h.url}/v1/generations/${acmeId}/comments`, {
        method: 'POST',
        headers: { ...bearer(dev), 'content-type': 'application/json' },
        // a tenant's token writes as its own name, whatever the body says
        body: JSON.stringify({ text: 'ours, not yours', author: 'the-ceo' }),
      });
      expect(commented.status).toBe(201);
      await theirs.until((e) => e.event === 'annotation' && data(e).generationId === acmeId);
      // a viewer reads but does not annotate
      const refused = await fetch(`${h.url}/v1/generations/${acmeId}/comments`, {
        method: 'POST',
        headers: { ...bearer(viewer), 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'may I?' }),
      });
      expect(refused.status).toBe(403);
      // the default tenant's comment, on its own generation
      await h.call(`/v1/generations/${id}/comments`, { auth: true, json: { text: 'default only' } });
      await ours.until((e) => e.event === 'annotation' && data(e).change.comment?.text === 'default only');
      await new Promise((r) => setTimeout(r, 200));
      expect(ours.events.some((e) => JSON.stringify(e.data).includes(acmeId))).toBe(false);
      expect(theirs.events.some((e) => JSON.stringify(e.data).includes(id))).toBe(false);
      // and neither reads the other's annotations
      const cross = await fetch(`${h.url}/v1/generations/${id}/annotation`, { headers: bearer(viewer) });
      expect(cross.status).toBe(404);
      await cross.body?.cancel();
      expect((await h.call(`/v1/generations/${acmeId}/annotation`)).status).toBe(404);
      const own = await (
        await fetch(`${h.url}/v1/generations/${acmeId}/annotation`, { headers: bearer(viewer) })
      ).json();
      expect(own.comments).toMatchObject([{ author: 'dev', text: 'ours, not yours' }]);
    } finally {
      ours.close();
      theirs.close();
    }
  });

  it('refuses an unknown generation, bad input, and writes without the token', async () => {
    expect((await h.call('/v1/generations/000000000000000-nope/annotation')).status).toBe(404);
    const post = (path: string, json: unknown, auth = true) => h.call(path, { auth, json });
    expect((await post('/v1/generations/000000000000000-nope/comments', { text: 'x' })).status).toBe(404);
    expect((await post(`/v1/generations/${id}/comments`, { text: 'x' }, false)).status).toBe(401);
    expect((await post(`/v1/generations/${id}/comments`, { text: '' })).status).toBe(400);
    expect((await post(`/v1/generations/${id}/comments`, { text: 'x'.repeat(8193) })).status).toBe(400);
    expect((await post(`/v1/generations/${id}/comments`, { text: 'x', extra: 1 })).status).toBe(400);
    const patch = (json: unknown) =>
      h.call(`/v1/generations/${id}/annotation`, { method: 'PATCH', auth: true, json });
    expect((await patch({ fields: { Bad: { value: 1, baseVersion: 0 } } })).status).toBe(400);
    expect((await patch({ fields: {} })).status).toBe(400);
    expect((await patch({ fields: { big: { value: 'x'.repeat(4097), baseVersion: 0 } } })).status).toBe(400);
    const missing = await h.call(`/v1/generations/${id}/comments/c999`, {
      method: 'PATCH',
      auth: true,
      json: { text: 'x', baseVersion: 1 },
    });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('COLLAB_COMMENT_NOT_FOUND');
    const full = await patch({
      fields: Object.fromEntries(
        Array.from({ length: 32 }, (_, i) => [`f${i}`, { value: i, baseVersion: 0 }]),
      ),
    });
    expect(full.status).toBe(422);
    expect((await full.json()).error.code).toBe('COLLAB_ANNOTATION_LIMIT');
  });
});
