import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

/** One raw HTTP/1.1 exchange, so hop-by-hop headers (Connection) are seen as sent. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.url}${path}`, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the security headers of every response', () => {
  it('reads, errors and HEAD carry nosniff and no-store', async () => {
    for (const path of [
      '/v1/health',
      '/v1/generations',
      '/v1/insights',
      '/openapi.json',
      '/v1/no-such-route',
    ]) {
      const res = await h.call(path);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const head = await h.call('/v1/health', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-content-type-options')).toBe('nosniff');
    expect(head.headers.get('cache-control')).toBe('no-store');
    const refused = await h.call('/v1/generate', { json: {} });
    await refused.arrayBuffer();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it("a route's own Cache-Control is kept: the dashboard's page and its vendored files", async () => {
    const page = await h.call('/');
    await page.arrayBuffer();
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toBeTruthy();
    const vendor = await h.call('/ui/vendor/uPlot.min.css');
    await vendor.arrayBuffer();
    expect(vendor.status).toBe(200);
    expect(vendor.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(vendor.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a refusal of a request with a body closes the connection; a read keeps it open', async () => {
    const body = JSON.stringify({ registry: '.', languages: ['go'] });
    const refused = await raw(
      'POST',
      '/v1/generate',
      { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    );
    expect(refused.status).toBe(401);
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
    // refused after its body was read (here: a field that is wrong): the connection stays usable
    const wrong = JSON.stringify({ registry: '/nowhere', languages: ['cobol'] });
    const afterBody = await raw(
      'POST',
      '/v1/generate',
      {
        'content-type': 'application/json',
        'content-length': String(wrong.length),
        authorization: `Bearer ${h.node.token}`,
      },
      wrong,
    );
    expect(afterBody.status).toBe(400);
    expect(afterBody.headers.connection).toBe('keep-alive');
    const read = await raw('GET', '/v1/health', {});
    expect(read.status).toBe(200);
    expect(read.headers.connection).toBe('keep-alive');
    expect(read.headers['cache-control']).toBe('no-store');
  });
});
