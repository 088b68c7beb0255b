import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, routesOf } from '../../../node/api/index.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `METHOD /path` for every operation of the document, Hono's `:id` written as OpenAPI's `{id}`. */
function documented(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** every `$ref` in `value`, for checking that each points at something in the document */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document in valid JSON', async () => {
    const res = await h.call('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = JSON.parse(await res.text());
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toMatch(/WeaverGen/);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lists exactly the routes the app serves', async () => {
    const doc = await (await h.call('/openapi.json')).json();
    const served = routesOf(createApi({ node: h.node }))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}')}`)
      .sort();
    expect(served.length).toBeGreaterThanOrEqual(12);
    expect(documented(doc).sort()).toEqual(served);
  });

  it('every route it lists answers something other than 404 route-not-found', async () => {
    const doc = await (await h.call('/openapi.json')).json();
    for (const op of documented(doc)) {
      const [method, path] = op.split(' ');
      const res = await h.call(path.replace('{id}', 'x').replace('{path}', 'typescript/index.ts'), {
        method,
        auth: true,
      });
      const body = res.headers.get('content-type')?.startsWith('application/json')
        ? await res.json()
        : undefined;
      expect(body?.error?.code, op).not.toBe('ROUTE_NOT_FOUND');
      expect(body?.error?.code, op).not.toBe('METHOD_NOT_ALLOWED');
      if (!res.bodyUsed) await res.body?.cancel();
    }
  });

  it('describes each operation: responses, parameters for path ids, bodies and the token on POST', async () => {
    const doc = await (await h.call('/openapi.json')).json();
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, Record<string, Record<string, unknown>>>,
    )) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
        expect(Object.keys(op.responses as object).length, `${method} ${path}`).toBeGreaterThan(0);
        if (path.includes('{id}')) {
          expect(
            (op.parameters as { name: string; in: string }[]).some((p) => p.name === 'id' && p.in === 'path'),
            `${method} ${path}`,
          ).toBe(true);
        }
        if (method === 'post') {
          expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
          expect(op.requestBody, `${method} ${path}`).toBeDefined();
          expect(Object.keys(op.responses as object)).toEqual(
            expect.arrayContaining(['400', '401', '413', '415']),
          );
        }
      }
    }
  });

  it('derives the request bodies from the zod schemas the routes parse with', async () => {
    const doc = await (await h.call('/openapi.json')).json();
    const request = doc.components.schemas.GenerationRequest;
    expect(request.required.sort()).toEqual(['languages', 'registry']);
    expect(request.additionalProperties).toBe(false);
    expect(request.properties.languages.items.enum).toEqual(['typescript', 'python', 'go', 'rust', 'java']);
    expect(doc.components.schemas.RegistryCheckRequest.required).toEqual(['path']);
    expect(doc.components.schemas.PredictionInput).toMatchObject({
      required: ['enabled'],
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' } },
    });
  });

  it('has no dangling $ref', async () => {
    const doc = await (await h.call('/openapi.json')).json();
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const r of all) {
      const target = r
        .replace(/^#\//, '')
        .split('/')
        .reduce(
          (o: Record<string, unknown> | undefined, k) => o?.[k] as Record<string, unknown> | undefined,
          doc,
        );
      expect(target, r).toBeDefined();
    }
  });
});
