import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../../node/api/index.js';
import type { WeaverNode } from '../../../node/node.js';
import { asJson, type Harness, MINI_REGISTRY, rejectionTally, startHarness } from './harness.js';

let h: Harness;
/** the rejections this file causes, by reason: /v1/health must report exactly these */
const { expected, rejected } = rejectionTally();

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

const generate = (
  body: unknown,
  init: { auth?: boolean; headers?: Record<string, string> } = { auth: true },
) =>
  h.call('/v1/generate', {
    method: 'POST',
    auth: init.auth,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const valid = { registry: MINI_REGISTRY, languages: ['typescript'] };

describe('POST /v1/generate with bad bodies', () => {
  it('malformed JSON -> 400', async () => {
    await rejected(await generate('{"registry": '), 400, 'MALFORMED_JSON', /not valid JSON/);
    await rejected(await generate(''), 400, 'MALFORMED_JSON', /body is empty/);
  });

  it('wrong content type -> 415', async () => {
    await rejected(
      await generate(valid, { auth: true, headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /application\/json, got "text\/plain"/,
    );
    const bytes = await h.call('/v1/generate', {
      method: 'POST',
      auth: true,
      body: new TextEncoder().encode(JSON.stringify(valid)),
    });
    await rejected(bytes, 415, 'UNSUPPORTED_MEDIA_TYPE', /no Content-Type/);
    await rejected(
      await generate(valid, { auth: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('accepts application/json with a charset', async () => {
    const res = await generate(valid, {
      auth: true,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    expect(await waitFinished(id)).toBe('succeeded');
  });

  it('not an object -> 400 naming the body', async () => {
    await rejected(await generate([]), 400, 'INVALID_BODY', /^body: .*expected object/);
    await rejected(await generate('"typescript"'), 400, 'INVALID_BODY', /^body: /);
  });

  it('missing fields -> 400 `field: required`', async () => {
    const e = await rejected(
      await generate({ languages: ['typescript'] }),
      400,
      'INVALID_BODY',
      /^registry: required/,
    );
    expect(e.details).toEqual({
      issues: [{ field: 'registry', message: expect.stringMatching(/^required/) }],
    });
    await rejected(await generate({ registry: MINI_REGISTRY }), 400, 'INVALID_BODY', /^languages: required/);
    const both = await rejected(await generate({}), 400, 'INVALID_BODY');
    expect(both.message).toMatch(/registry: required/);
    expect(both.message).toMatch(/languages: required/);
  });

  it('extra fields -> 400 naming them and the allowed ones', async () => {
    await rejected(
      await generate({ ...valid, langs: ['go'] }),
      400,
      'INVALID_BODY',
      /^langs: unknown field \(allowed: registry, languages, out, pack, params, candidates, models, validate, allowErrors\)/,
    );
  });

  it('wrong types -> 400 per field', async () => {
    await rejected(
      await generate({ ...valid, languages: 'typescript' }),
      400,
      'INVALID_BODY',
      /^languages: .*expected array/,
    );
    await rejected(
      await generate({ ...valid, registry: 42 }),
      400,
      'INVALID_BODY',
      /^registry: .*expected string/,
    );
    await rejected(
      await generate({ ...valid, candidates: 'two' }),
      400,
      'INVALID_BODY',
      /^candidates: .*expected number/,
    );
    await rejected(await generate({ ...valid, candidates: 99 }), 400, 'INVALID_BODY', /^candidates: .*8/);
    await rejected(await generate({ ...valid, candidates: 1.5 }), 400, 'INVALID_BODY', /^candidates: /);
    await rejected(
      await generate({ ...valid, params: { style: 3 } }),
      400,
      'INVALID_BODY',
      /^params\.style: .*expected string/,
    );
  });

  it('unknown or no languages -> 400 naming the allowed ones', async () => {
    await rejected(
      await generate({ ...valid, languages: ['typescript', 'cobol'] }),
      400,
      'INVALID_BODY',
      /^languages\.1: .*"typescript".*"java"/,
    );
    await rejected(await generate({ ...valid, languages: [] }), 400, 'INVALID_BODY', /^languages: /);
  });

  it('a registry that is relative, missing or a file -> 400', async () => {
    await rejected(
      await generate({ ...valid, registry: 'examples/shop' }),
      400,
      'INVALID_BODY',
      /^registry: must be an absolute path/,
    );
    await rejected(
      await generate({ ...valid, out: 'out' }),
      400,
      'INVALID_BODY',
      /^out: must be an absolute path/,
    );
    await rejected(
      await generate({ ...valid, registry: '/nonexistent/registry' }),
      400,
      'INVALID_BODY',
      /^registry: no such folder: \/nonexistent\/registry/,
    );
    await rejected(
      await generate({ ...valid, registry: '/tmp/\u0000x' }),
      400,
      'INVALID_BODY',
      /^registry: must not contain NUL characters/,
    );
    const file = join(h.home, 'not-a-folder.yaml');
    await writeFile(file, 'groups: []\n');
    await rejected(
      await generate({ ...valid, registry: file }),
      400,
      'INVALID_BODY',
      /is a file, not a folder/,
    );
  });

  it('an oversized body -> 413 saying the limit, with or without Content-Length', async () => {
    const big = JSON.stringify({ ...valid, pack: 'x'.repeat(h.node.config.api.bodyLimitBytes) });
    await rejected(
      await generate(big),
      413,
      'BODY_TOO_LARGE',
      new RegExp(`larger than ${h.node.config.api.bodyLimitBytes} bytes`),
    );
    const chunks = [new TextEncoder().encode(big.slice(0, 1000)), new TextEncoder().encode(big.slice(1000))];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const res = await h.call('/v1/generate', {
      method: 'POST',
      auth: true,
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await rejected(res, 413, 'BODY_TOO_LARGE');
  });
});

describe('POST /v1/registry/check with bad bodies', () => {
  const check = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    h.call('/v1/registry/check', { method: 'POST', auth: true, headers, body: JSON.stringify(body) });

  it('rejects missing, extra, mistyped and relative paths', async () => {
    await rejected(await check({}), 400, 'INVALID_BODY', /^path: required/);
    await rejected(await check({ path: 5 }), 400, 'INVALID_BODY', /^path: .*expected string/);
    await rejected(
      await check({ path: MINI_REGISTRY, strict: true }),
      400,
      'INVALID_BODY',
      /^strict: unknown field \(allowed: path\)/,
    );
    await rejected(
      await check({ path: 'example-registry' }),
      400,
      'INVALID_BODY',
      /^path: must be an absolute path/,
    );
    await rejected(
      await check({ path: '/nonexistent/registry' }),
      400,
      'INVALID_BODY',
      /^path: no such folder/,
    );
    await rejected(
      await check({ path: MINI_REGISTRY }, { 'content-type': 'text/yaml' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('a folder without YAML -> 422 saying so', async () => {
    const e = await rejected(
      await check({ path: join(h.home, 'db') }),
      422,
      'REGISTRY_UNREADABLE',
      /no \*\.yaml or \*\.yml files/,
    );
    expect(e.details).toEqual({ semconvCode: 'SEMCONV_NO_FILES' });
  });
});

describe('bad query values and ids', () => {
  it('GET /v1/generations?limit= must be a whole number from 1 to 500, given once', async () => {
    for (const limit of ['-1', 'abc', '0', '501', '1.5', '']) {
      await rejected(
        await h.call(`/v1/generations?limit=${limit}`),
        400,
        'INVALID_QUERY',
        /^limit: expected a whole number from 1 to 500/,
      );
    }
    await rejected(
      await h.call('/v1/generations?limit=1&limit=2'),
      400,
      'INVALID_QUERY',
      /^limit: given 2 times/,
    );
    await rejected(
      await h.call('/v1/generations?lmit=5'),
      400,
      'INVALID_QUERY',
      /^lmit: unknown query parameter \(allowed: limit\)/,
    );
  });

  it('GET /v1/spans rejects bad times, from > to, bad limits, trace ids and unknown parameters', async () => {
    await rejected(
      await h.call('/v1/spans?from=abc'),
      400,
      'INVALID_QUERY',
      /^from: expected epoch milliseconds or an ISO 8601 date/,
    );
    await rejected(
      await h.call('/v1/spans?to=2025-13-45'),
      400,
      'INVALID_QUERY',
      /^to: expected epoch milliseconds/,
    );
    await rejected(await h.call('/v1/spans?from=2000&to=1000'), 400, 'INVALID_QUERY', /^from: is after to/);
    await rejected(
      await h.call('/v1/spans?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z'),
      400,
      'INVALID_QUERY',
      /^from: is after to/,
    );
    await rejected(
      await h.call('/v1/spans?limit=-1'),
      400,
      'INVALID_QUERY',
      /^limit: expected a whole number from 1 to 10000/,
    );
    await rejected(await h.call('/v1/spans?limit=10001'), 400, 'INVALID_QUERY', /^limit: /);
    await rejected(await h.call('/v1/spans?trace=xyz'), 400, 'INVALID_QUERY', /^trace: expected a trace id/);
    await rejected(
      await h.call('/v1/spans?generationId=x'),
      400,
      'INVALID_QUERY',
      /^generationId: unknown query parameter \(allowed: trace, generation, from, to, name, limit\)/,
    );
    await rejected(await h.call('/v1/spans?attr.=x'), 400, 'INVALID_QUERY', /^attr\.: the attribute key/);
    await rejected(await h.call('/v1/spans?name=a&name=b'), 400, 'INVALID_QUERY', /^name: given 2 times/);
    // several problems at once are all reported
    const e = await rejected(await h.call('/v1/spans?from=x&limit=0'), 400, 'INVALID_QUERY');
    expect(e.message).toMatch(/from: /);
    expect(e.message).toMatch(/limit: /);
  });

  it('good span queries with nothing to find answer 200 and an empty list', async () => {
    const res = await h.call(
      '/v1/spans?generation=000000000000000-00000000&attr.weavergen.cache.hit=true&from=0&to=1',
    );
    expect(res.status).toBe(200);
    expect((await res.json()).spans).toEqual([]);
  });

  it('unknown ids -> 404, malformed ids -> 400', async () => {
    const unknown = '000000000000001-deadbeef';
    await rejected(
      await h.call(`/v1/generations/${unknown}`),
      404,
      'NOT_FOUND',
      new RegExp(`no generation with id ${unknown}`),
    );
    await rejected(await h.call(`/v1/generations/${unknown}/decisions`), 404, 'NOT_FOUND');
    await rejected(await h.call(`/v1/generations/${unknown}/events`), 404, 'NOT_FOUND');
    await rejected(
      await h.call(`/v1/traces/${'0'.repeat(32)}`),
      404,
      'NOT_FOUND',
      /no spans stored for trace/,
    );
    await rejected(
      await h.call('/v1/traces/not-a-trace'),
      400,
      'INVALID_PARAM',
      /^id: "not-a-trace" is not a valid id; expected 32 lowercase hex digits/,
    );
    await rejected(await h.call('/v1/generations/has%20space'), 400, 'INVALID_PARAM', /^id: /);
    await rejected(await h.call(`/v1/generations/${'x'.repeat(201)}`), 400, 'INVALID_PARAM');
  });

  it('unknown routes -> 404 JSON; a known route with another method -> 405 with Allow', async () => {
    await rejected(await h.call('/v1/nope'), 404, 'ROUTE_NOT_FOUND', /no route GET \/v1\/nope/);
    await rejected(await h.call('/v1/nope', { method: 'POST', auth: true }), 404, 'ROUTE_NOT_FOUND');
    await rejected(await h.call('/v1/health/'), 404, 'ROUTE_NOT_FOUND');
    const get = await h.call('/v1/generate');
    expect(get.headers.get('allow')).toBe('POST');
    await rejected(get, 405, 'METHOD_NOT_ALLOWED', /GET is not allowed on \/v1\/generate; use POST/);
    const del = await h.call(`/v1/generations/x`, { method: 'DELETE', auth: true });
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    await rejected(del, 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('unexpected errors', () => {
  it('-> 500 JSON, logged, and the server keeps serving', async () => {
    const logged: unknown[] = [];
    // the route reads the tenant's view of the node (forTenant): that one's insights fail
    const burning = <T extends object>(node: T): T =>
      new Proxy(node, {
        get(target, key, receiver) {
          if (key === 'insights') return () => Promise.reject(new Error('the learning store is on fire'));
          if (key === 'forTenant')
            return async (id: string) => burning(await (target as unknown as WeaverNode).forTenant(id));
          return Reflect.get(target, key, receiver);
        },
      });
    const broken = burning(h.node);
    const server = await startApiServer(broken, {
      port: 0,
      log: (message, error) => logged.push({ message, error }),
    });
    try {
      const res = asJson(await fetch(`${server.url}/v1/insights`));
      expect(res.status).toBe(500);
      const body = await res.json();
      expect(body.error.code).toBe('INTERNAL');
      expect(body.error.message).toMatch(/the learning store is on fire/);
      expect(logged).toHaveLength(1);
      expect(String((logged[0] as { message: string }).message)).toMatch(/GET \/v1\/insights/);
      const health = await asJson(await fetch(`${server.url}/v1/health`)).json();
      expect(health.rejected).toEqual({ internal: 1 });
    } finally {
      await server.close();
    }
  });
});

describe('after all that', () => {
  it('the node is up and /v1/health counts every rejection by reason', async () => {
    const res = await h.call('/v1/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect(body.rejected).toEqual(expected);
    expect(Object.keys(expected)).toEqual(
      expect.arrayContaining([
        'malformed_json',
        'invalid_body',
        'unsupported_media_type',
        'body_too_large',
        'invalid_query',
        'invalid_param',
        'not_found',
        'route_not_found',
        'method_not_allowed',
        'registry_unreadable',
      ]),
    );
  });
});

async function waitFinished(id: string): Promise<string | undefined> {
  for (let i = 0; i < 1200; i++) {
    const r = await h.node.generation(id);
    if (r && ['succeeded', 'failed', 'cancelled'].includes(r.status)) return r.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
