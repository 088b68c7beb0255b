import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { type Json, MINI_REGISTRY, rejectionTally } from './harness.js';

/**
 * Prediction turned off and on over the API, on a real node and its HTTP server: off stops
 * watching at once and an edit runs nothing; the choice outlives a restart on the same home (the
 * stored choice wins over the config); on again, the next generation's registry is watched and an
 * edit is predicted.
 */
let home: string;
let registry: string;
let node: WeaverNode | undefined;
let server: ApiServer | undefined;

async function start() {
  const config = await loadConfig(
    {
      home,
      api: { port: 0 },
      network: { enabled: false },
      generation: { predict: { enabled: true, debounceMs: 200 } },
    },
    {},
  );
  node = await createNode(config);
  server = await startApiServer(node, { port: 0 });
}

async function stop() {
  await server?.close();
  await node?.stop();
  server = node = undefined;
}

afterAll(async () => {
  await stop();
  for (const d of [home, registry]) if (d) await rm(d, { recursive: true, force: true });
});

async function call(method: string, path: string, json?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { authorization: `Bearer ${node!.token}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, body: await res.json() };
}

const state = async () => (await call('GET', '/v1/prediction')).body;

/** a user's generation through the API, until it ends */
async function generate(languages: string[]): Promise<Json> {
  const r = await call('POST', '/v1/generate', { registry, languages, validate: false });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  for (let i = 0; i < 600; i++) {
    const g = (await call('GET', `/v1/generations/${r.body.id}`)).body;
    if (['succeeded', 'failed', 'cancelled'].includes(g.status)) return g;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`generation ${r.body.id} did not end`);
}

const predictions = async () =>
  ((await call('GET', '/v1/generations?limit=100')).body.generations as Json[]).filter(
    (g) => g.origin === 'prediction',
  );

let edits = 0;
const edit = async () => {
  const file = join(registry, 'shop', 'registry.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/brief: ([^\n]*)/, `brief: $1 (edit ${++edits})`));
};

describe('GET and PUT /v1/prediction', () => {
  it('off stops prediction and survives a restart; on watches again from the next generation', async () => {
    home = await mkdtemp(join(tmpdir(), 'wg-predict-api-'));
    registry = await mkdtemp(join(tmpdir(), 'wg-predict-api-reg-'));
    await cp(MINI_REGISTRY, registry, { recursive: true });
    await start();
    expect(await state()).toEqual({
      enabled: true,
      source: 'config',
      watched: 0,
      predicted: 0,
      used: 0,
      wasted: 0,
      pending: 0,
    });
    expect((await generate(['typescript'])).status).toBe('succeeded');
    await expect.poll(async () => (await state()).watched).toBe(1);

    const off = await call('PUT', '/v1/prediction', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, source: 'api', watched: 0 });
    expect(await state()).toMatchObject({ enabled: false, source: 'api', watched: 0 });
    await edit();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await predictions()).toEqual([]);

    // the same home again, its config still saying on: the stored choice wins
    await stop();
    await start();
    expect(await state()).toMatchObject({ enabled: false, source: 'api', watched: 0 });
    expect((await generate(['typescript'])).status).toBe('succeeded');
    await edit();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await state()).toMatchObject({ enabled: false, watched: 0, predicted: 0 });
    expect(await predictions()).toEqual([]);

    const on = await call('PUT', '/v1/prediction', { enabled: true });
    expect(on.body).toMatchObject({ enabled: true, source: 'api', watched: 0 });
    expect((await generate(['typescript'])).status).toBe('succeeded');
    await expect.poll(async () => (await state()).watched).toBe(1);
    await edit();
    await expect
      .poll(async () => (await predictions()).filter((g) => g.status === 'succeeded').length, {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    expect((await state()).predicted).toBeGreaterThan(0);
  }, 120_000);
});

describe('PUT /v1/prediction with bad bodies', () => {
  const { expected, rejected } = rejectionTally();
  const put = (body: string, type = 'application/json') =>
    fetch(`${server!.url}/v1/prediction`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${node!.token}`, 'content-type': type },
      body,
    });

  it('rejects a non-boolean, a missing or extra key, bad JSON and another content type; nothing changes', async () => {
    const before = (await call('GET', '/v1/health')).body.rejected;
    for (const enabled of ['false', 0, null])
      await rejected(
        await put(JSON.stringify({ enabled })),
        400,
        'INVALID_BODY',
        /^enabled: .*expected boolean/,
      );
    await rejected(await put('{}'), 400, 'INVALID_BODY', /^enabled: required/);
    await rejected(
      await put(JSON.stringify({ enabled: false, tenant: 'other' })),
      400,
      'INVALID_BODY',
      /^tenant: unknown field \(allowed: enabled\)/,
    );
    await rejected(await put('{"enabled": fal'), 400, 'MALFORMED_JSON');
    await rejected(
      await put('enabled=false', 'application/x-www-form-urlencoded'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await rejected(await put('false', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // the state the test above left, untouched; each refusal counted by reason
    expect(await state()).toMatchObject({ enabled: true, source: 'api' });
    const after = (await call('GET', '/v1/health')).body.rejected;
    for (const [reason, n] of Object.entries(expected))
      expect(after[reason] - (before[reason] ?? 0), reason).toBe(n);
  });
});
