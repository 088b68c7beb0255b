import { lstat, mkdir, mkdtemp, readdir, readFile, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { type Harness, MINI_REGISTRY, startHarness } from '../api/harness.js';

/** Back-pressure, rate limits, idempotency, output confinement and the smaller holes of issue 11. */
let h: Harness | undefined;
let wire: WireServer | undefined;
afterEach(async () => {
  await h?.stop();
  await wire?.close();
  h = wire = undefined;
});

const generate = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  h!.call('/v1/generate', {
    auth: true,
    json: { registry: MINI_REGISTRY, languages: ['typescript'], ...body },
    headers,
  });

describe('back-pressure', () => {
  it('a full queue is a 429 with Retry-After, before anything is stored', async () => {
    // a model that never answers keeps the one running generation busy
    wire = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: { hang: true } });
    h = await startHarness(
      {},
      { concurrency: 1, maxQueued: 2, shutdownGraceMs: 0 },
      {
        models: 'openai:gpt-4o-mini',
        openai: { apiKey: 'sk-test', baseURL: wire.url, maxRetries: 0 },
      },
    );
    const model = { models: ['openai:gpt-4o-mini'] };
    for (let i = 0; i < 3; i++) expect((await generate(model)).status).toBe(202);
    const before = (await (await h.call('/v1/generations')).json()).generations.length;
    const full = await generate(model);
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await full.json()).error.code).toBe('JOBS_BUSY');
    expect((await (await h.call('/v1/generations')).json()).generations.length).toBe(before);
  });

  it('writes past a token rate are 429 with Retry-After; reads are not limited', async () => {
    h = await startHarness({}, {}, undefined, { rateLimit: { perMinute: 6, burst: 3 } });
    const check = () => h!.call('/v1/registry/check', { auth: true, json: { path: MINI_REGISTRY } });
    for (let i = 0; i < 3; i++) expect((await check()).status).toBe(200);
    const limited = await check();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    // the bucket is the token's, not the header's: spelling the header otherwise is no way around it
    for (const authorization of [
      `Bearer  ${h.token}`,
      `bearer ${h.token}`,
      `BEARER ${h.token}`,
      `Bearer ${h.token} `,
      `Bearer    ${h.token}  `,
    ]) {
      const r = await h.call('/v1/registry/check', {
        json: { path: MINI_REGISTRY },
        headers: { authorization },
      });
      expect(r.status, JSON.stringify(authorization)).toBe(429);
    }
    for (let i = 0; i < 10; i++) expect((await h.call('/v1/health')).status).toBe(200);
    expect((await (await h.call('/v1/health')).json()).rejected.rate_limited).toBe(6);
  });
});

describe('idempotency keys', () => {
  it('a retried POST /v1/generate with the same key runs once; the same key with another body is 409', async () => {
    h = await startHarness();
    const key = { 'Idempotency-Key': 'retry-4711' };
    const first = await generate({}, key);
    const again = await generate({}, key);
    expect([first.status, again.status]).toEqual([202, 202]);
    const a = await first.json();
    const b = await again.json();
    expect(b.id).toBe(a.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const list = (await (await h.call('/v1/generations')).json()).generations;
    expect(list.filter((g: { id: string }) => g.id === a.id)).toHaveLength(1);
    expect(list).toHaveLength(1);
    const other = await generate({ languages: ['python'] }, key);
    expect(other.status).toBe(409);
    expect((await other.json()).error.code).toBe('JOBS_IDEMPOTENCY_CONFLICT');
    const bad = await generate({}, { 'Idempotency-Key': 'no spaces allowed' });
    expect(bad.status).toBe(400);
  });

  it('concurrent retries of one key start one generation', async () => {
    h = await startHarness();
    const key = { 'Idempotency-Key': 'burst-1' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => generate({}, key)));
    const ids = new Set(await Promise.all(answers.map(async (r) => (await r.json()).id)));
    expect(ids.size).toBe(1);
    expect((await (await h.call('/v1/generations')).json()).generations).toHaveLength(1);
  });
});

describe('tasks: idempotency keys and back-pressure', () => {
  const TASK = {
    description: 'a sum function',
    language: 'ts',
    tests: [
      {
        path: 'sum.test.ts',
        content: `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { sum } from './sum.js';\n\ntest('adds', () => assert.equal(sum(2, 3), 5));\n`,
      },
    ],
  };
  const task = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h!.call('/v1/tasks', { auth: true, json: { ...TASK, ...body }, headers });

  it('a retried POST /v1/tasks runs once; another body with the key is 409; a full queue is 429', async () => {
    // a model that never answers: every task stays running or queued
    wire = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: { hang: true } });
    h = await startHarness(
      {},
      { concurrency: 1, maxQueued: 1, shutdownGraceMs: 0 },
      {
        models: 'openai:gpt-4o-mini',
        openai: { apiKey: 'sk-test', baseURL: wire.url, maxRetries: 0 },
      },
    );
    const key = { 'Idempotency-Key': 'task-retry-1' };
    const first = await task({}, key);
    const again = await task({}, key);
    expect([first.status, again.status]).toEqual([202, 202]);
    const id = (await first.json()).id;
    expect((await again.json()).id).toBe(id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const listed = async () =>
      (await (await h!.call('/v1/tasks', { auth: true })).json()).tasks as { id: string }[];
    expect((await listed()).map((t) => t.id)).toEqual([id]);

    const other = await task({ description: 'another sum function' }, key);
    expect(other.status).toBe(409);
    expect((await other.json()).error.code).toBe('JOBS_IDEMPOTENCY_CONFLICT');
    expect(await listed()).toHaveLength(1);

    // one running, one queued: the next is refused before anything is stored
    expect((await task({ description: 'the queued one' })).status).toBe(202);
    const full = await task({ description: 'one too many' });
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await full.json()).error.code).toBe('TASK_BUSY');
    expect(await listed()).toHaveLength(2);
    // a retry of the first with its key is still its id, full queue or not
    const replay = await task({}, key);
    expect(replay.status).toBe(202);
    expect((await replay.json()).id).toBe(id);
  });
});

describe('output confinement', () => {
  it("refuses an out inside the home's own files or outside the output roots, even through a link", async () => {
    h = await startHarness();
    const refused = async (out: string) => {
      const r = await generate({ out });
      expect(r.status, out).toBe(400);
      const body = await r.json();
      expect(body.error.code, out).toBe('JOBS_BAD_OUT');
      return body.error.message as string;
    };
    expect(await refused(join(h.home, 'db'))).toMatch(/inside the node's home .*not output/);
    expect(await refused(h.home)).toMatch(/inside the node's home/);
    expect(await refused(join(await mkdtemp(join(tmpdir(), 'wg-elsewhere-')), 'x'))).toMatch(
      /outside the folders this node writes to .*generation\.outputRoots/,
    );
    // a folder of the project that is a link into the home's database
    const inProject = join(process.cwd(), 'node_modules', '.cache', `wg-link-${process.pid}`);
    await mkdir(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
    await symlink(join(h.home, 'db'), inProject);
    try {
      expect(await refused(join(inProject, 'x'))).toMatch(/inside the node's home/);
    } finally {
      const { rm } = await import('node:fs/promises');
      await rm(inProject, { force: true });
    }
    expect((await generate({ out: join(h.home, 'out', 'mine') })).status).toBe(202);
  });
});

describe('output confinement when the files are written', () => {
  const finished = async (id: string) => {
    for (;;) {
      const g = await (await h!.call(`/v1/generations/${id}`, { auth: true })).json();
      if (!['queued', 'running'].includes(g.status)) return g;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const generated = async (out: string) => {
    const r = await generate({ out, validate: false });
    expect(r.status).toBe(202);
    return finished((await r.json()).id);
  };

  it('a link planted in an allowed out is not written through; the generation fails BAD_OUT', async () => {
    h = await startHarness();
    const first = join(h.home, 'out', 'first');
    expect((await generated(first)).status).toBe('succeeded');
    const names = (await readdir(join(first, 'typescript'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => relative(join(first, 'typescript'), join(e.parentPath, e.name)));
    expect(names.length).toBeGreaterThan(0);
    const token = join(h.home, 'token');
    const before = await readFile(token, 'utf8');
    // every file this generation writes is a link to the home's token
    const second = join(h.home, 'out', 'second');
    for (const name of names) {
      await mkdir(dirname(join(second, 'typescript', name)), { recursive: true });
      await symlink(token, join(second, 'typescript', name));
    }
    const g = await generated(second);
    expect(g.status).toBe('failed');
    expect(g.errorCode).toBe('JOBS_BAD_OUT');
    expect(g.error).toMatch(/is a link/);
    expect(await readFile(token, 'utf8')).toBe(before);
    expect((await lstat(join(second, 'typescript', names[0]))).isSymbolicLink()).toBe(true);
  });

  it('a language folder that is a link out of the allowed folders fails BAD_OUT; nothing is written there', async () => {
    h = await startHarness();
    const elsewhere = await mkdtemp(join(tmpdir(), 'wg-elsewhere-'));
    const out = join(h.home, 'out', 'swapped');
    await mkdir(out, { recursive: true });
    await symlink(elsewhere, join(out, 'typescript'));
    const g = await generated(out);
    expect(g.status).toBe('failed');
    expect(g.errorCode).toBe('JOBS_BAD_OUT');
    expect(await readdir(elsewhere)).toEqual([]);
  });
});

describe('smaller holes', () => {
  it('params named like Object.prototype members are unknown params, not a crash', async () => {
    h = await startHarness();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const r = await generate({ params: { [name]: 'x' } });
      expect(r.status, name).toBe(400);
      expect((await r.json()).error.code, name).toMatch(/PACK_BAD_PARAM|INVALID_BODY/);
    }
    // JSON's "__proto__" is an own key: never a param, never a crash
    const proto = await h.call('/v1/generate', {
      auth: true,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"registry": ${JSON.stringify(MINI_REGISTRY)}, "languages": ["typescript"], "params": {"__proto__": {"x": "y"}}}`,
    });
    expect(proto.status).toBeLessThan(500);
    const health = await (await h.call('/v1/health')).json();
    expect(health.rejected.internal).toBeUndefined();
  });

  it('a client dropping its connection mid-body is counted as such, not as an internal error', async () => {
    h = await startHarness();
    const { port } = new URL(h.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/registry/check HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${h!.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"path": "`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
      socket.on('error', reject);
    });
    const deadline = Date.now() + 5000;
    let rejected: Record<string, number> = {};
    while (Date.now() < deadline && !rejected.body_aborted) {
      rejected = (await (await h.call('/v1/health')).json()).rejected;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rejected.body_aborted).toBe(1);
    expect(rejected.internal).toBeUndefined();
  });
});
