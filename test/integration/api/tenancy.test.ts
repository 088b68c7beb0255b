import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, createApi, routesOf, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { type Json, MINI_REGISTRY, readSse } from './harness.js';

/**
 * Two tenants on one node (real node, real HTTP): what tenant `a` did is invisible to tenant `b`
 * on every route the app serves (a table below maps each route to how it is probed; a route
 * without a row fails this file), and to the default tenant's open loopback reads. Roles and the
 * operator's powers hold; an attacker's tricks (paths, links, idempotency keys, event ids) fail.
 */

const MODEL = 'openai:gpt-4o-mini';
const PACK_FIXTURE = join(process.cwd(), 'test', 'fixtures', 'packs', 'doc-ts');
const TS_TESTS = {
  path: 'sum.test.ts',
  content: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from './sum.js';

test('adds', () => assert.equal(sum(2, 3), 5));
`,
};

let model: WireServer;
let home: string;
let packRoot: string;
let node: WeaverNode;
let server: ApiServer;

type Role = 'viewer' | 'developer' | 'admin';
const tokens: Record<'a' | 'b', Record<Role, { secret: string; id: string }>> = {
  a: {} as never,
  b: {} as never,
};

interface Reply {
  status: number;
  text: string;
  body: Json;
  headers: Headers;
}

/** One request: `token` (a secret, 'operator', or none), an optional tenant header and JSON body. */
async function req(
  method: string,
  path: string,
  opts: { token?: string; tenant?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers = new Headers(opts.headers);
  if (opts.token)
    headers.set('authorization', `Bearer ${opts.token === 'operator' ? node.token : opts.token}`);
  if (opts.tenant) headers.set('x-weavergen-tenant', opts.tenant);
  if (opts.json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
  });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

const A = (role: Role) => tokens.a[role].secret;
const B = (role: Role) => tokens.b[role].secret;

/** A live SSE stream kept open, its bytes collected as text. */
function stream(path: string, token?: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  let text = '';
  let opened!: () => void;
  const ready = new Promise<void>((r) => (opened = r));
  const done = (async () => {
    const res = await fetch(`${server.url}${path}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
      if (text.includes('event: ready')) opened();
    }
  })().catch(() => undefined);
  return {
    ready,
    text: () => text,
    async close() {
      abort.abort();
      await done;
    },
  };
}

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** What only tenant a holds: none of it may reach b or the default tenant. */
const secrets = {
  genId: '',
  taskId: '',
  traceIds: [] as string[],
  spanIds: [] as string[],
  out: '',
  file: '',
  context: '',
  commentId: '',
  packCid: '',
  eventId: '',
  idempotencyKey: 'a-private-key-7f3c',
  comment: 'a-secret-comment-41d2',
  field: 'a-secret-field-93be',
  rating: 'a-secret-rating-5c0a',
  taskText: 'a-secret-task-description-2b71',
};
const markers = () => [
  secrets.genId,
  secrets.taskId,
  ...secrets.traceIds,
  ...secrets.spanIds.slice(0, 20),
  secrets.out,
  join(home, 'tenants', 'a'),
  packRoot,
  secrets.comment,
  secrets.field,
  secrets.rating,
  secrets.taskText,
  ...Object.values(tokens.a).flatMap((t) => [t.id, t.secret]),
];

/** None of a's ids, paths or texts in `text`, once what the caller itself sent is taken out (a 404 may echo it). */
function expectNoLeak(text: string, sent: string[] = []) {
  let t = text;
  for (const s of sent) t = t.split(s).join('<sent>');
  for (const m of markers()) {
    expect(m.length).toBeGreaterThan(0);
    expect(t, `leaks ${m}`).not.toContain(m);
  }
}

/** Another id of the same shape that names nothing (the last character changed). */
const missing = (id: string) => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0');

/**
 * b asking for a's id gets what it gets for an id that does not exist: the same status and the same
 * body with the id swapped, so the answer tells nothing about a (not even that the id exists).
 */
async function sameAsMissing(
  method: string,
  path: (id: string) => string,
  id: string,
  token: string,
  json?: unknown,
) {
  const theirs = await req(method, path(id), { token, json });
  const none = await req(method, path(missing(id)), { token, json });
  expect([403, 404]).toContain(theirs.status);
  expect(theirs.status).toBe(none.status);
  expect(theirs.text.split(id).join('<id>')).toBe(none.text.split(missing(id)).join('<id>'));
  expectNoLeak(theirs.text, [id]);
  return theirs;
}

/** b's listings before a did anything, to compare with after (what a learned is not b's). */
const before: { insights?: string; history?: string } = {};
/** b's live stream and the default tenant's (no token), open while a works */
let bLive: ReturnType<typeof stream>;
let defaultLive: ReturnType<typeof stream>;
let aLive: ReturnType<typeof stream>;

/** the same listing read at another moment: its times left out */
const stripTimes = (text: string) =>
  text.replace(/"(at|generatedAt|now|computedAt)":("[^"]*"|\d+)/g, '"$1":0');

beforeAll(async () => {
  model = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: () => ({ hang: true }) });
  home = await mkdtemp(join(tmpdir(), 'wg-tenancy-'));
  packRoot = await mkdtemp(join(tmpdir(), 'wg-tenancy-a-packs-'));
  const config = await loadConfig(
    {
      home,
      api: { port: 0 },
      network: { enabled: false },
      generation: { shutdownGraceMs: 300, predict: { enabled: false } },
      models: {
        models: `builtin,${MODEL}`,
        openai: { apiKey: 'sk-test', baseURL: model.url, maxRetries: 0 },
      },
    },
    {},
  );
  node = await createNode(config);
  server = await startApiServer(node, { port: 0, heartbeatMs: 200 });

  // the operator makes the tenants and a token of each role in each
  for (const id of ['a', 'b'] as const) {
    const made = await req('POST', '/v1/tenants', {
      token: 'operator',
      json: {
        id,
        quotas: { generationsPerHour: 1000 },
        // a may also publish packs from a folder of its own outside the home
        ...(id === 'a' ? { registryRoots: [join(home, 'tenants', 'a', 'registries'), packRoot] } : {}),
      },
    });
    expect(made.status, made.text).toBe(201);
    for (const role of ['viewer', 'developer', 'admin'] as const) {
      const t = await req('POST', `/v1/tenants/${id}/tokens`, {
        token: 'operator',
        json: { name: `${id}-${role}`, role },
      });
      expect(t.status, t.text).toBe(201);
      tokens[id][role] = { secret: t.body.secret, id: t.body.token.id };
    }
    await cp(MINI_REGISTRY, join(home, 'tenants', id, 'registries', 'mini'), { recursive: true });
  }
  for (const [key, path] of [
    ['insights', '/v1/insights'],
    ['history', '/v1/learning/history'],
  ] as const) {
    const r = await req('GET', path, { token: B('viewer') });
    expect(r.status).toBe(200);
    before[key] = stripTimes(r.text);
  }
  bLive = stream('/v1/events', B('viewer'));
  defaultLive = stream('/v1/events');
  aLive = stream('/v1/events', A('viewer'));
  await Promise.all([bLive.ready, defaultLive.ready, aLive.ready]);

  // a generates (its registry copied under its folder), comments, annotates, rates, publishes, runs a task
  const registry = join(home, 'tenants', 'a', 'registries', 'mini');
  const gen = await req('POST', '/v1/generate', {
    token: A('developer'),
    json: { registry, languages: ['python'], models: ['builtin'] },
    headers: { 'idempotency-key': secrets.idempotencyKey },
  });
  expect(gen.status, gen.text).toBe(202);
  secrets.genId = gen.body.id;
  const events = await fetch(`${server.url}${gen.body.links.events}`, {
    headers: { authorization: `Bearer ${A('viewer')}` },
  });
  const { events: list } = await readSse(events, 60_000);
  const record = (list.at(-1)!.data as Json).record;
  expect(record.status).toBe('succeeded');
  secrets.out = record.out;
  expect(secrets.out.startsWith(join(home, 'tenants', 'a', 'out'))).toBe(true);
  const files = await req('GET', `/v1/generations/${secrets.genId}/files`, { token: A('viewer') });
  secrets.file = files.body.files[0].path;
  const spans = await req('GET', `/v1/spans?generation=${secrets.genId}&limit=500`, { token: A('viewer') });
  expect(spans.body.spans.length).toBeGreaterThan(0);
  secrets.traceIds = [...new Set<string>(spans.body.spans.map((s: Json) => s.traceId))];
  secrets.spanIds = spans.body.spans.map((s: Json) => s.spanId);
  const history = await req('GET', '/v1/learning/history', { token: A('viewer') });
  secrets.context = JSON.stringify(history.body).match(/"(python\|[^"]+)"/)?.[1] ?? '';
  expect(secrets.context).not.toBe('');
  const comment = await req('POST', `/v1/generations/${secrets.genId}/comments`, {
    token: A('developer'),
    json: { text: secrets.comment },
  });
  expect(comment.status, comment.text).toBe(201);
  secrets.commentId = JSON.stringify(comment.body).match(/"(c\d+)"/)![1];
  const annotated = await req('PATCH', `/v1/generations/${secrets.genId}/annotation`, {
    token: A('developer'),
    json: { fields: { owner: { value: secrets.field, baseVersion: 0 } } },
  });
  expect(annotated.status, annotated.text).toBe(200);
  const rated = await req('POST', '/v1/patterns/python-semconv/ratings', {
    token: A('developer'),
    json: { stars: 5, comment: secrets.rating },
  });
  expect(rated.status, rated.text).toBe(201);
  // published from a's own registry folder, inside the node's home
  const dir = join(home, 'tenants', 'a', 'registries', 'tenant-a-pack');
  await cp(PACK_FIXTURE, dir, { recursive: true });
  const yaml = await readFile(join(dir, 'pack.yaml'), 'utf8');
  await writeFile(join(dir, 'pack.yaml'), yaml.replace(/^name: .*$/m, 'name: tenant-a-pack'));
  const published = await req('POST', '/v1/patterns', { token: A('admin'), json: { path: dir } });
  expect(published.status, published.text).toBe(201);
  secrets.packCid = published.body.pattern.id;
  const task = await req('POST', '/v1/tasks', {
    token: A('developer'),
    json: { description: secrets.taskText, language: 'ts', tests: [TS_TESTS] },
    headers: { 'idempotency-key': secrets.idempotencyKey },
  });
  expect(task.status, task.text).toBe(202);
  secrets.taskId = task.body.id;
  await until('a sees its own comment live', () => aLive.text().includes(secrets.comment));
  secrets.eventId = /\nid: (\S+)\n[^\n]*\n?data: [^\n]*a-secret-comment/.exec(aLive.text())?.[1] ?? '';
  if (!secrets.eventId) secrets.eventId = [...aLive.text().matchAll(/^id: (\S+)$/gm)].at(-1)![1];
}, 120_000);

afterAll(async () => {
  await Promise.all([bLive?.close(), defaultLive?.close(), aLive?.close()]);
  await server?.close();
  await node?.stop();
  await model?.close();
  await rm(home, { recursive: true, force: true });
  await rm(packRoot, { recursive: true, force: true });
});

/**
 * Every route the app serves, and how it is probed with b's tokens and a's ids. `shared`: a
 * node-level route every tenant may read (it is still checked for a's ids where it answers JSON).
 */
type Probe = { shared?: string; run: () => Promise<void> };
const noop = async () => {};
const sharedRead = (path: string) => async () => {
  const r = await req('GET', path, { token: B('viewer') });
  expect(r.status).toBeLessThan(500);
  expectNoLeak(r.text);
};

const genPath =
  (suffix = '') =>
  (id: string) =>
    `/v1/generations/${id}${suffix}`;

const table: Record<string, Probe> = {
  'GET /': { shared: 'the dashboard page: static, no data', run: noop },
  'GET /favicon.ico': { shared: 'static', run: noop },
  'GET /ui/*': { shared: 'dashboard assets: static', run: noop },
  'GET /openapi.json': { shared: 'the API description', run: sharedRead('/openapi.json') },
  'GET /livez': { shared: 'probe: {status}', run: sharedRead('/livez') },
  'GET /readyz': { shared: 'probe: {status}', run: sharedRead('/readyz') },
  // node-wide counters sum every tenant's work: the operator's and the default tenant's, not b's
  'GET /metrics': {
    async run() {
      const r = await req('GET', '/metrics', { token: B('viewer') });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('TENANCY_FORBIDDEN');
      expectNoLeak(r.text);
      expect((await req('GET', '/metrics', { token: 'operator' })).status).toBe(200);
    },
  },
  'GET /v1/health': {
    async run() {
      // the node's state, not its counters nor its home
      const r = await req('GET', '/v1/health', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        status: 'ok',
        version: expect.any(String),
        uptimeMs: expect.any(Number),
        tenant: 'b',
      });
      expectNoLeak(r.text, [home]);
      expect((await req('GET', '/v1/health', { token: 'operator' })).body.generations).toBeDefined();
    },
  },
  'GET /v1/rejections': {
    async run() {
      const r = await req('GET', '/v1/rejections', { token: B('viewer') });
      expect(r.status).toBe(403);
      expectNoLeak(r.text);
    },
  },
  'GET /v1/peers': { shared: "the node's peer id, addresses and peers", run: sharedRead('/v1/peers') },

  'POST /v1/generate': {
    async run() {
      // a's registry folder, even with a's own idempotency key and body: refused, not replayed
      const registry = join(home, 'tenants', 'a', 'registries', 'mini');
      const r = await req('POST', '/v1/generate', {
        token: B('admin'),
        json: { registry, languages: ['python'], models: ['builtin'] },
        headers: { 'idempotency-key': secrets.idempotencyKey },
      });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('TENANCY_PATH_OUTSIDE');
      expectNoLeak(r.text, [registry]);
    },
  },
  'GET /v1/generations': {
    async run() {
      const r = await req('GET', '/v1/generations', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body.generations).toEqual([]);
      expectNoLeak(r.text);
    },
  },
  'GET /v1/generations/:id': {
    run: () => sameAsMissing('GET', genPath(), secrets.genId, B('viewer')).then(),
  },
  'GET /v1/generations/:id/decisions': {
    run: () => sameAsMissing('GET', genPath('/decisions'), secrets.genId, B('viewer')).then(),
  },
  'GET /v1/generations/:id/chain': {
    async run() {
      await sameAsMissing('GET', genPath('/chain'), secrets.genId, B('viewer'));
      await sameAsMissing('GET', genPath('/chain'), secrets.taskId, B('viewer'));
    },
  },
  'GET /v1/generations/:id/events': {
    run: () => sameAsMissing('GET', genPath('/events'), secrets.genId, B('viewer')).then(),
  },
  'GET /v1/generations/:id/annotation': {
    run: () => sameAsMissing('GET', genPath('/annotation'), secrets.genId, B('viewer')).then(),
  },
  'POST /v1/generations/:id/comments': {
    async run() {
      await sameAsMissing('POST', genPath('/comments'), secrets.genId, B('admin'), { text: 'from b' });
      const own = await req('GET', `/v1/generations/${secrets.genId}/annotation`, { token: A('viewer') });
      expect(own.text).not.toContain('from b');
    },
  },
  'PATCH /v1/generations/:id/comments/:commentId': {
    run: () =>
      sameAsMissing('PATCH', genPath(`/comments/${secrets.commentId}`), secrets.genId, B('admin'), {
        text: 'edited by b',
        baseVersion: 1,
      }).then(),
  },
  'PATCH /v1/generations/:id/annotation': {
    run: () =>
      sameAsMissing('PATCH', genPath('/annotation'), secrets.genId, B('admin'), {
        fields: { owner: { value: 'b', baseVersion: 1 } },
      }).then(),
  },
  'GET /v1/generations/:id/files': {
    run: () => sameAsMissing('GET', genPath('/files'), secrets.genId, B('viewer')).then(),
  },
  'GET /v1/generations/:id/files/*': {
    run: () => sameAsMissing('GET', genPath(`/files/${secrets.file}`), secrets.genId, B('viewer')).then(),
  },
  'GET /v1/events': {
    async run() {
      // b's stream was open all the while a generated, commented, rated and published
      expect(bLive.text()).toMatch(/event: ready/);
      expectNoLeak(bLive.text());
      expect(bLive.text()).not.toMatch(/tenant-a-pack|event: (status|progress|result|annotation|rating)/);
      // a's event id given to b's stream: b resumes its own (empty) history, never a's
      const resumed = stream('/v1/events', B('viewer'), { 'last-event-id': secrets.eventId });
      await resumed.ready;
      await new Promise((r) => setTimeout(r, 300));
      await resumed.close();
      expectNoLeak(resumed.text(), [secrets.eventId]);
      expect(resumed.text()).not.toMatch(/event: (status|progress|result|annotation|rating)/);
    },
  },
  'GET /v1/spans': {
    async run() {
      for (const q of [`generation=${secrets.genId}`, `trace=${secrets.traceIds[0]}`, 'limit=1000']) {
        const r = await req('GET', `/v1/spans?${q}`, { token: B('viewer') });
        expect(r.status).toBe(200);
        expect(r.body.spans).toEqual([]);
        expectNoLeak(r.text, [secrets.genId, secrets.traceIds[0]]);
      }
    },
  },
  'GET /v1/traces/:id': {
    run: () => sameAsMissing('GET', (id) => `/v1/traces/${id}`, secrets.traceIds[0], B('viewer')).then(),
  },
  'GET /v1/insights': {
    async run() {
      const r = await req('GET', '/v1/insights', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(stripTimes(r.text)).toBe(before.insights);
      expectNoLeak(r.text);
    },
  },
  'GET /v1/learning/history': {
    async run() {
      const r = await req('GET', '/v1/learning/history', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(stripTimes(r.text)).toBe(before.history);
      expectNoLeak(r.text);
    },
  },
  'GET /v1/learning/arms': {
    async run() {
      const path = `/v1/learning/arms?context=${encodeURIComponent(secrets.context)}`;
      const own = await req('GET', path, { token: A('viewer') });
      expect(own.body.arms.length).toBeGreaterThan(0);
      const r = await req('GET', path, { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body.arms).toEqual([]);
      expectNoLeak(r.text);
    },
  },
  // prediction is each tenant's own switch (off in this node's config): b reads its own; a viewer
  // of b may not turn it; b's developer turning it on leaves a's and the default tenant's off
  'GET /v1/prediction': {
    async run() {
      const r = await req('GET', '/v1/prediction', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ enabled: false, source: 'config', predicted: 0, watched: 0 });
      expectNoLeak(r.text);
    },
  },
  'PUT /v1/prediction': {
    async run() {
      const viewer = await req('PUT', '/v1/prediction', { token: B('viewer'), json: { enabled: true } });
      expect(viewer.status).toBe(403);
      expect(viewer.body.error.code).toBe('TENANCY_FORBIDDEN');
      const on = await req('PUT', '/v1/prediction', { token: B('developer'), json: { enabled: true } });
      expect(on.status, on.text).toBe(200);
      expect(on.body).toMatchObject({ enabled: true, source: 'api' });
      expectNoLeak(on.text);
      const others = [
        await req('GET', '/v1/prediction', { token: A('viewer') }),
        await req('GET', '/v1/prediction'),
      ];
      for (const r of others) expect(r.body).toMatchObject({ enabled: false, source: 'config' });
      const off = await req('PUT', '/v1/prediction', { token: B('developer'), json: { enabled: false } });
      expect(off.body).toMatchObject({ enabled: false, source: 'api' });
    },
  },
  'GET /v1/patterns': {
    async run() {
      const installed = await req('GET', '/v1/patterns?installed=true', { token: B('viewer') });
      expect(installed.body.patterns).toEqual([]);
      // a published its pack to the network: searchable by anyone, but not b's, and a's rating is a's
      const all = await req('GET', '/v1/patterns', { token: B('viewer') });
      expect(all.status).toBe(200);
      for (const p of all.body.patterns) {
        expect(p).toMatchObject({ installed: false, published: false });
        // nor does the index say that someone on this node installed it
        expect(p.sources).not.toContain('installed');
        expect(p.rating).toBeUndefined();
        expect(p.local).toBeUndefined();
      }
      expect(all.body.patterns.some((p: { id: string }) => p.id === secrets.packCid)).toBe(true);
      const mine = await req('GET', '/v1/patterns', { token: A('viewer') });
      const aPack = mine.body.patterns.find((p: { id: string }) => p.id === secrets.packCid);
      expect(aPack.sources).toContain('installed');
      expectNoLeak(all.text);
    },
  },
  'GET /v1/patterns/:id': {
    async run() {
      const theirs = await req('GET', `/v1/patterns/${secrets.packCid}`, { token: B('viewer') });
      expect(theirs.body).toMatchObject({ installed: false, published: false });
      expect(theirs.body.sources).not.toContain('installed');
      expect(theirs.body.check).toBeUndefined();
      const rated = await req('GET', '/v1/patterns/python-semconv', { token: B('viewer') });
      expect(rated.body.rating).toBeUndefined();
      expect(rated.body.local).toBeUndefined();
      expectNoLeak(theirs.text + rated.text);
      // a's own view has them
      const own = await req('GET', '/v1/patterns/python-semconv', { token: A('viewer') });
      expect(own.body.rating).toMatchObject({ stars: 5, comment: secrets.rating });
    },
  },
  'POST /v1/patterns': {
    async run() {
      const path = join(home, 'tenants', 'a', 'registries', 'tenant-a-pack');
      const r = await req('POST', '/v1/patterns', { token: B('admin'), json: { path } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/outside the folders/);
      expectNoLeak(r.text, [path]);
      // a folder that does not exist gets the same answer: b learns nothing of what is there
      const missing = join(home, 'tenants', 'a', 'registries', 'no-such-pack');
      const m = await req('POST', '/v1/patterns', { token: B('admin'), json: { path: missing } });
      expect(m.status).toBe(400);
      expect(m.body.error.message.replace(missing, path)).toBe(r.body.error.message);
    },
  },
  'POST /v1/patterns/:id/install': {
    async run() {
      const r = await req('POST', `/v1/patterns/${secrets.packCid}/install`, { token: B('admin'), json: {} });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expectNoLeak(r.text, [secrets.packCid]);
      const installed = await req('GET', '/v1/patterns?installed=true', { token: B('viewer') });
      expect(installed.body.patterns).toEqual([]);
    },
  },
  'POST /v1/patterns/:id/ratings': {
    async run() {
      const r = await req('POST', '/v1/patterns/python-semconv/ratings', {
        token: B('admin'),
        json: { stars: 1, comment: 'b thinks otherwise' },
      });
      expect(r.status).toBe(201);
      expect(r.body.pattern.rating).toMatchObject({ stars: 1, comment: 'b thinks otherwise' });
      expectNoLeak(r.text);
      const own = await req('GET', '/v1/patterns/python-semconv', { token: A('viewer') });
      expect(own.body.rating).toMatchObject({ stars: 5, comment: secrets.rating });
    },
  },
  'POST /v1/registry/check': {
    async run() {
      const registry = join(home, 'tenants', 'a', 'registries', 'mini');
      const r = await req('POST', '/v1/registry/check', { token: B('admin'), json: { path: registry } });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('TENANCY_PATH_OUTSIDE');
      expectNoLeak(r.text, [registry]);
    },
  },
  'GET /v1/tasks': {
    async run() {
      const r = await req('GET', '/v1/tasks', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body.tasks.map((t: Json) => t.id)).not.toContain(secrets.taskId);
      expectNoLeak(r.text);
    },
  },
  'POST /v1/tasks': {
    async run() {
      // a's idempotency key in b: a task of b's own, never a's replayed
      const r = await req('POST', '/v1/tasks', {
        token: B('developer'),
        json: { description: 'b task', language: 'ts', tests: [TS_TESTS] },
        headers: { 'idempotency-key': secrets.idempotencyKey },
      });
      expect(r.status, r.text).toBe(202);
      expect(r.body.id).not.toBe(secrets.taskId);
      expect(r.headers.get('idempotent-replayed')).toBeNull();
      expectNoLeak(r.text);
    },
  },
  'GET /v1/tasks/:id': {
    run: () => sameAsMissing('GET', (id) => `/v1/tasks/${id}`, secrets.taskId, B('viewer')).then(),
  },
  'GET /v1/tenants': {
    async run() {
      const r = await req('GET', '/v1/tenants', { token: B('admin') });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('TENANCY_FORBIDDEN');
      expectNoLeak(r.text);
    },
  },
  'POST /v1/tenants': {
    async run() {
      const r = await req('POST', '/v1/tenants', { token: B('admin'), json: { id: 'c' } });
      expect(r.status).toBe(403);
      expect(node.tenancy.has('c')).toBe(false);
    },
  },
  'GET /v1/tenants/:id': {
    async run() {
      const r = await req('GET', '/v1/tenants/a', { token: B('admin') });
      expect(r.status).toBe(403);
      expectNoLeak(r.text);
      expect(r.text).not.toContain('generationsPerHour');
    },
  },
  'PATCH /v1/tenants/:id': {
    async run() {
      const r = await req('PATCH', '/v1/tenants/a', { token: B('admin'), json: { share: true, quotas: {} } });
      expect(r.status).toBe(403);
      expect(node.tenancy.get('a')).toMatchObject({ share: false, quotas: { generationsPerHour: 1000 } });
    },
  },
  'GET /v1/tenants/:id/tokens': {
    async run() {
      const r = await req('GET', '/v1/tenants/a/tokens', { token: B('admin') });
      expect(r.status).toBe(403);
      expectNoLeak(r.text);
    },
  },
  'POST /v1/tenants/:id/tokens': {
    async run() {
      const r = await req('POST', '/v1/tenants/a/tokens', {
        token: B('admin'),
        json: { name: 'b-in-a', role: 'admin' },
      });
      expect(r.status).toBe(403);
      expect(node.tenancy.listTokens('a').map((t) => t.name)).not.toContain('b-in-a');
    },
  },
  'DELETE /v1/tenants/:id/tokens/:token': {
    async run() {
      const r = await req('DELETE', `/v1/tenants/a/tokens/${tokens.a.viewer.id}`, { token: B('admin') });
      expect(r.status).toBe(403);
      // a's token works still; and a's token id named under b's tenant is no token of b's
      expect((await req('GET', '/v1/usage', { token: A('viewer') })).status).toBe(200);
      const underB = await req('DELETE', `/v1/tenants/b/tokens/${tokens.a.viewer.id}`, { token: B('admin') });
      expect(underB.status).toBe(404);
      expect((await req('GET', '/v1/usage', { token: A('viewer') })).status).toBe(200);
    },
  },
  'GET /v1/usage': {
    async run() {
      const r = await req('GET', '/v1/usage', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ tenant: 'b', generationsLastHour: 0 });
      expectNoLeak(r.text);
      const own = await req('GET', '/v1/usage', { token: A('viewer') });
      expect(own.body).toMatchObject({ tenant: 'a', generationsLastHour: 1 });
    },
  },
  'GET /v1/me': {
    async run() {
      const r = await req('GET', '/v1/me', { token: B('viewer') });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ tenant: 'b', role: 'viewer', operator: false });
      expectNoLeak(r.text);
      expect((await req('GET', '/v1/me', { token: A('admin') })).body).toMatchObject({
        tenant: 'a',
        role: 'admin',
      });
    },
  },
};

describe('every route the app serves is in the isolation table', () => {
  it('no route without a row, no row without a route', () => {
    const served = routesOf(createApi({ node })).map((r) => `${r.method} ${r.path}`);
    expect(
      served.filter((r) => !(r in table)),
      'routes without a tenancy probe: add them to the table',
    ).toEqual([]);
    expect(Object.keys(table).filter((r) => !served.includes(r))).toEqual([]);
  });
});

describe("tenant b, with every role's token, sees nothing of tenant a", () => {
  for (const [route, probe] of Object.entries(table))
    it(`${route}${probe.shared ? ` (shared: ${probe.shared})` : ''}`, async () => {
      await probe.run();
    });
});

describe('the default tenant (open loopback reads, no token) sees nothing of a', () => {
  it('listings, a by id, its live stream', async () => {
    for (const path of [
      '/v1/generations',
      '/v1/tasks',
      '/v1/spans?limit=1000',
      `/v1/spans?generation=${secrets.genId}`,
      '/v1/insights',
      '/v1/learning/history',
      '/v1/patterns?installed=true',
      '/v1/usage',
    ]) {
      const r = await req('GET', path);
      expect(r.status, path).toBe(200);
      expectNoLeak(r.text, [secrets.genId]);
    }
    for (const path of [
      `/v1/generations/${secrets.genId}`,
      `/v1/generations/${secrets.genId}/annotation`,
      `/v1/tasks/${secrets.taskId}`,
      `/v1/traces/${secrets.traceIds[0]}`,
    ]) {
      const r = await req('GET', path);
      expect(r.status, path).toBe(404);
      expectNoLeak(r.text, [secrets.genId, secrets.taskId, secrets.traceIds[0]]);
    }
    expectNoLeak(defaultLive.text());
    // naming tenant a without a token is no open read
    const named = await req('GET', '/v1/generations', { tenant: 'a' });
    expect(named.status).toBe(401);
  });
});

describe('tokens and roles', () => {
  it("a's token naming tenant b in the header is 403", async () => {
    const r = await req('GET', '/v1/generations', { token: A('admin'), tenant: 'b' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('TENANCY_FORBIDDEN');
    // its own tenant named is fine
    expect((await req('GET', '/v1/generations', { token: A('viewer'), tenant: 'a' })).status).toBe(200);
  });

  it('a revoked token is 401 at once; a wrong token is 401 without echoing it', async () => {
    const made = await req('POST', '/v1/tenants/a/tokens', {
      token: A('admin'),
      json: { name: 'short-lived', role: 'developer' },
    });
    expect(made.status).toBe(201);
    expect((await req('GET', '/v1/usage', { token: made.body.secret })).status).toBe(200);
    const revoked = await req('DELETE', `/v1/tenants/a/tokens/${made.body.token.id}`, { token: A('admin') });
    expect(revoked.status).toBe(200);
    expect(revoked.text).not.toContain(made.body.secret);
    const after = await req('GET', '/v1/usage', { token: made.body.secret });
    expect(after.status).toBe(401);
    expect(after.text).not.toContain(made.body.secret);
    const listed = await req('GET', '/v1/tenants/a/tokens', { token: A('admin') });
    expect(listed.text).not.toContain(made.body.token.id);
    for (const t of Object.values(tokens.a)) expect(listed.text).not.toContain(t.secret);
    const wrong = `${A('admin')}x`;
    const r = await req('GET', '/v1/usage', { token: wrong });
    expect(r.status).toBe(401);
    expect(r.text).not.toContain(wrong);
  });

  it('a viewer cannot generate (403 naming the role needed)', async () => {
    const r = await req('POST', '/v1/generate', {
      token: A('viewer'),
      json: { registry: join(home, 'tenants', 'a', 'registries', 'mini'), languages: ['python'] },
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('TENANCY_FORBIDDEN');
    expect(r.body.error.message).toMatch(/needs a developer/);
  });

  it('a developer cannot make tokens nor publish (403)', async () => {
    const t = await req('POST', '/v1/tenants/a/tokens', {
      token: A('developer'),
      json: { name: 'escalate', role: 'admin' },
    });
    expect(t.status).toBe(403);
    expect(t.body.error.message).toMatch(/needs an admin/);
    const p = await req('POST', '/v1/patterns', {
      token: A('developer'),
      json: { path: join(home, 'tenants', 'a', 'registries', 'tenant-a-pack') },
    });
    expect(p.status).toBe(403);
    expect(p.body.error.message).toMatch(/needs an admin/);
  });

  it("a's admin cannot act on tenant b nor list or make tenants (operator only)", async () => {
    for (const [method, path, json] of [
      ['GET', '/v1/tenants/b'],
      ['PATCH', '/v1/tenants/b', { share: true }],
      ['GET', '/v1/tenants/b/tokens'],
      ['POST', '/v1/tenants/b/tokens', { name: 'x', role: 'viewer' }],
      ['DELETE', `/v1/tenants/b/tokens/${tokens.b.viewer.id}`],
      ['GET', '/v1/tenants'],
      ['POST', '/v1/tenants', { id: 'evil' }],
    ] as [string, string, unknown?][]) {
      const r = await req(method, path, { token: A('admin'), json });
      expect(r.status, `${method} ${path}`).toBe(403);
    }
    expect(node.tenancy.get('b').share).toBe(false);
    expect(node.tenancy.has('evil')).toBe(false);
    // the operator may
    const list = await req('GET', '/v1/tenants', { token: 'operator' });
    expect(list.body.tenants.map((t: Json) => t.id)).toEqual(['default', 'a', 'b']);
  });

  it("a tenant's admin may lower its quota, never raise or remove it", async () => {
    const patch = (quotas: unknown) => req('PATCH', '/v1/tenants/a', { token: A('admin'), json: { quotas } });
    const up = await patch({ generationsPerHour: 2000 });
    expect(up.status).toBe(403);
    expect(up.body.error.message).toMatch(/only the node's operator may raise/);
    expect((await patch({})).status).toBe(403);
    expect(node.tenancy.get('a').quotas).toEqual({ generationsPerHour: 1000 });
    const down = await patch({ generationsPerHour: 500 });
    expect(down.status).toBe(200);
    expect(down.body.quotas).toEqual({ generationsPerHour: 500 });
    // the operator raises it again
    const op = await req('PATCH', '/v1/tenants/a', {
      token: 'operator',
      json: { quotas: { generationsPerHour: 1000 } },
    });
    expect(op.status).toBe(200);
  });
});

const createTokenOf = async (tenant: string, role: string): Promise<string> =>
  (
    await req('POST', `/v1/tenants/${tenant}/tokens`, {
      token: 'operator',
      json: { name: `${tenant}-${role}-x`, role },
    })
  ).body.secret;

describe("an attacker's pass", () => {
  it('a registry outside the tenant folder is 403 TENANCY_PATH_OUTSIDE: the fixture, `..`, a link to b', async () => {
    const own = join(home, 'tenants', 'a', 'registries');
    await symlink(join(home, 'tenants', 'b', 'registries', 'mini'), join(own, 'link-to-b'));
    for (const registry of [
      MINI_REGISTRY,
      `${own}/../../b/registries/mini`,
      join(own, 'link-to-b'),
      join(home, 'tenants', 'b', 'registries', 'mini'),
    ]) {
      const r = await req('POST', '/v1/generate', {
        token: A('developer'),
        json: { registry, languages: ['python'], models: ['builtin'] },
      });
      expect(r.status, registry).toBe(403);
      expect(r.body.error.code).toBe('TENANCY_PATH_OUTSIDE');
      const check = await req('POST', '/v1/registry/check', {
        token: A('developer'),
        json: { path: registry },
      });
      expect(check.status, registry).toBe(403);
    }
  });

  it("a registry of a's whose manifest names b's registry as a dependency is refused; nothing of b's is read", async () => {
    const theirs = join(home, 'tenants', 'b', 'registries', 'mini');
    const own = join(home, 'tenants', 'a', 'registries');
    await symlink(theirs, join(own, 'dep-link-to-b'));
    for (const [name, dependency] of [
      ['dep-absolute', theirs],
      ['dep-relative', '../../../b/registries/mini'],
      ['dep-link', join(own, 'dep-link-to-b')],
    ]) {
      const registry = join(own, name);
      await cp(join(MINI_REGISTRY, 'shop'), join(registry, 'shop'), { recursive: true });
      await writeFile(
        join(registry, 'registry_manifest.yaml'),
        `name: ${name}\ndependencies:\n  - name: b\n    registry_path: ${JSON.stringify(dependency)}\n`,
      );
      const check = await req('POST', '/v1/registry/check', {
        token: A('developer'),
        json: { path: registry },
      });
      // the registry check answers every load error as REGISTRY_UNREADABLE, with the loader's code
      expect(check.status, `${name}: ${check.text}`).toBe(422);
      expect(check.body.error.details).toEqual({ semconvCode: 'SEMCONV_DEPENDENCY_OUTSIDE' });
      const gen = await req('POST', '/v1/generate', {
        token: A('developer'),
        json: { registry, languages: ['python'], models: ['builtin'], validate: false },
      });
      expect(gen.status, gen.text).toBe(202);
      let record: Json;
      for (let i = 0; i < 200; i++) {
        record = (await req('GET', `/v1/generations/${gen.body.id}`, { token: A('viewer') })).body;
        if (!['queued', 'running'].includes(record.status)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(record.status, name).toBe('failed');
      expect(record.errorCode, name).toBe('SEMCONV_DEPENDENCY_OUTSIDE');
    }
    // the default tenant's registry naming a tenant's folder as a dependency: refused the same
    const dflt = await mkdtemp(join(tmpdir(), 'wg-default-dep-'));
    await cp(join(MINI_REGISTRY, 'shop'), join(dflt, 'shop'), { recursive: true });
    await writeFile(
      join(dflt, 'registry_manifest.yaml'),
      `name: d\ndependencies:\n  - name: b\n    registry_path: ${JSON.stringify(theirs)}\n`,
    );
    const check = await req('POST', '/v1/registry/check', { token: 'operator', json: { path: dflt } });
    expect(check.status, check.text).toBe(422);
    expect(check.body.error.details).toEqual({ semconvCode: 'SEMCONV_DEPENDENCY_OUTSIDE' });
    // a dependency inside a's own folders is read as before
    const fine = join(own, 'dep-own');
    await cp(join(MINI_REGISTRY, 'shop'), join(fine, 'shop'), { recursive: true });
    await writeFile(
      join(fine, 'registry_manifest.yaml'),
      'name: fine\ndependencies:\n  - name: mine\n    registry_path: ../mini\n',
    );
    const ok = await req('POST', '/v1/registry/check', { token: A('developer'), json: { path: fine } });
    expect(ok.status, ok.text).toBe(200);
    await rm(dflt, { recursive: true, force: true });
  });

  it("the default tenant does not read the tenants' registry folders; the operator acting in a does", async () => {
    const registry = join(home, 'tenants', 'a', 'registries', 'mini');
    const dflt = await createTokenOf('default', 'developer');
    for (const token of [dflt, 'operator']) {
      const r = await req('POST', '/v1/generate', {
        token,
        json: { registry, languages: ['python'], models: ['builtin'] },
      });
      expect(r.status, r.text).toBe(403);
      expect(r.body.error.code).toBe('TENANCY_PATH_OUTSIDE');
      expect(r.body.error.message).toMatch(/X-WeaverGen-Tenant/);
    }
    const asA = await req('POST', '/v1/registry/check', {
      token: 'operator',
      tenant: 'a',
      json: { path: registry },
    });
    expect(asA.status, asA.text).toBe(200);
  });

  it("whether a folder exists outside the tenant's folders is not told (same answer either way)", async () => {
    const exists = join(home, 'tenants', 'b', 'registries', 'mini');
    const absent = join(home, 'tenants', 'b', 'registries', 'no-such-project');
    for (const [method, path, body] of [
      ['POST', '/v1/generate', (p: string) => ({ registry: p, languages: ['python'] })],
      ['POST', '/v1/registry/check', (p: string) => ({ path: p })],
    ] as const) {
      const one = await req(method, path, { token: A('developer'), json: body(exists) });
      const other = await req(method, path, { token: A('developer'), json: body(absent) });
      expect(one.status).toBe(403);
      expect(other.status).toBe(403);
      expect(one.text.split(exists).join('<p>')).toBe(other.text.split(absent).join('<p>'));
    }
  });

  it("an output folder in another tenant's or the default tenant's out is refused; its own is fine", async () => {
    const registry = join(home, 'tenants', 'a', 'registries', 'mini');
    for (const out of [
      join(home, 'tenants', 'b', 'out', 'x'),
      join(home, 'out', 'x'),
      `${home}/tenants/a/out/../../b/out`,
      join(home, 'db'),
      join(tmpdir(), 'wg-tenancy-elsewhere'),
    ]) {
      const r = await req('POST', '/v1/generate', {
        token: A('developer'),
        json: { registry, languages: ['python'], models: ['builtin'], out },
      });
      expect(r.status, `${out}: ${r.text}`).toBe(400);
      expect(r.body.error.code).toBe('JOBS_BAD_OUT');
    }
    const ok = await req('POST', '/v1/generate', {
      token: A('developer'),
      json: {
        registry,
        languages: ['python'],
        models: ['builtin'],
        out: join(home, 'tenants', 'a', 'out', 'mine'),
      },
    });
    expect(ok.status, ok.text).toBe(202);
  });

  it("a's idempotency key replayed by b with b's own registry starts b's own generation", async () => {
    const registry = join(home, 'tenants', 'b', 'registries', 'mini');
    const r = await req('POST', '/v1/generate', {
      token: B('developer'),
      json: { registry, languages: ['python'], models: ['builtin'] },
      headers: { 'idempotency-key': secrets.idempotencyKey },
    });
    expect(r.status, r.text).toBe(202);
    expect(r.body.id).not.toBe(secrets.genId);
    expect(r.headers.get('idempotent-replayed')).toBeNull();
    // and a's replay is a's
    const again = await req('POST', '/v1/generate', {
      token: A('developer'),
      json: {
        registry: join(home, 'tenants', 'a', 'registries', 'mini'),
        languages: ['python'],
        models: ['builtin'],
      },
      headers: { 'idempotency-key': secrets.idempotencyKey },
    });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(secrets.genId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('tenant ids: default, odd characters and unknown names are refused', async () => {
    for (const id of ['default', 'A', '../a', 'a/b', 'tenant.a', '-a', 'a'.repeat(64), '', 'a b', 'ä']) {
      const r = await req('POST', '/v1/tenants', { token: 'operator', json: { id } });
      expect([400, 409], JSON.stringify(id)).toContain(r.status);
    }
    for (const header of ['../a', 'nope', 'a, b', 'A']) {
      const r = await req('GET', '/v1/generations', { token: 'operator', tenant: header });
      expect(r.status, header).toBe(404);
      expect(r.body.error.code).toBe('TENANCY_TENANT_NOT_FOUND');
    }
    const paths = ['/v1/tenants/..%2Fa', '/v1/tenants/a%2F..%2Fb/tokens', '/v1/tenants/A'];
    for (const p of paths) {
      const r = await req('GET', p, { token: A('admin') });
      expect([400, 403, 404], p).toContain(r.status);
      expectNoLeak(r.text);
    }
  });

  it('token secrets are in no answer but the one that made them, nor in the database as text', async () => {
    const { readdir } = await import('node:fs/promises');
    const db = join(home, 'db');
    const bytes = Buffer.concat(
      await Promise.all((await readdir(db)).map((f) => readFile(join(db, f)).catch(() => Buffer.alloc(0)))),
    );
    for (const t of [...Object.values(tokens.a), ...Object.values(tokens.b)])
      expect(bytes.includes(Buffer.from(t.secret))).toBe(false);
    const listed = await req('GET', '/v1/tenants', { token: 'operator' });
    for (const t of Object.values(tokens.a)) expect(listed.text).not.toContain(t.secret);
  });
});
