import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../../node/api/index.js';
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

const valid = { registry: MINI_REGISTRY, languages: ['typescript'] };

const generate = (
  body: unknown,
  init: { auth?: boolean; headers?: Record<string, string> } = { auth: true },
) =>
  h.call('/v1/generate', {
    method: 'POST',
    auth: init.auth,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
  });

describe('the bearer token', () => {
  it('is required on POST: missing -> 401 saying where the token is', async () => {
    const res = await generate(valid, { auth: false });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const e = await rejected(res, 401, 'UNAUTHORIZED', /missing bearer token/);
    expect(e.message).toContain(join(h.home, 'token'));
    expect(e.message).toContain('WEAVERGEN_TOKEN');
  });

  it('wrong -> 401', async () => {
    await rejected(
      await generate(valid, { headers: { authorization: `Bearer ${h.token}x` } }),
      401,
      'UNAUTHORIZED',
      /wrong bearer token.*token/,
    );
    const sameLength = h.token.slice(0, -1) + (h.token.endsWith('A') ? 'B' : 'A');
    await rejected(
      await generate(valid, { headers: { authorization: `Bearer ${sameLength}` } }),
      401,
      'UNAUTHORIZED',
      /wrong bearer token/,
    );
    await rejected(
      await generate(valid, { headers: { authorization: 'Bearer ' } }),
      401,
      'UNAUTHORIZED',
      /malformed Authorization header/,
    );
    await rejected(
      await generate(valid, { headers: { authorization: `Basic ${h.token}` } }),
      401,
      'UNAUTHORIZED',
      /malformed Authorization header/,
    );
    await rejected(
      await h.call('/v1/registry/check', { json: { path: MINI_REGISTRY } }),
      401,
      'UNAUTHORIZED',
      /missing bearer token/,
    );
  });

  it('is checked before the body: nothing is queued without it', async () => {
    const before = (await (await h.call('/v1/generations')).json()).generations.length;
    await rejected(await generate(valid, { auth: false }), 401, 'UNAUTHORIZED');
    expect((await (await h.call('/v1/generations')).json()).generations.length).toBe(before);
  });

  it('reads are open on loopback, but a token that is sent must be right', async () => {
    expect((await h.call('/v1/generations')).status).toBe(200);
    expect((await h.call('/v1/generations', { auth: true })).status).toBe(200);
    await rejected(
      await h.call('/v1/generations', { headers: { authorization: 'Bearer nope' } }),
      401,
      'UNAUTHORIZED',
      /wrong bearer token/,
    );
  });

  it('reads addressed to a non-loopback host name (DNS rebinding) need the token', async () => {
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: h.server.port, path: '/v1/generations', headers },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const open = await get({ host: `localhost:${h.server.port}` });
    expect(open.status).toBe(200);
    const evil = await get({ host: `evil.example:${h.server.port}` });
    expect(evil.status).toBe(401);
    expect(JSON.parse(evil.body).error.code).toBe('UNAUTHORIZED');
    expected.unauthorized = (expected.unauthorized ?? 0) + 1;
    const withToken = await get({
      host: `evil.example:${h.server.port}`,
      authorization: `Bearer ${h.token}`,
    });
    expect(withToken.status).toBe(200);
  });
});

describe('a server that does not open reads', () => {
  it('needs the token for reads too, but not for the dashboard page itself', async () => {
    const closed = await startApiServer(h.node, { port: 0, openReads: false });
    try {
      const res = asJson(await fetch(`${closed.url}/v1/generations`));
      expect(res.status).toBe(401);
      expect((await res.json()).error.message).toMatch(/missing bearer token/);
      const ok = await fetch(`${closed.url}/v1/generations`, {
        headers: { authorization: `Bearer ${h.token}` },
      });
      expect(ok.status).toBe(200);
      expect((await fetch(`${closed.url}/`)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});

describe('after all that', () => {
  it('/v1/health counts each refusal as unauthorized', async () => {
    const body = await (await h.call('/v1/health')).json();
    expect(body.rejected).toEqual(expected);
    expect(expected.unauthorized).toBe(9);
  });
});
