import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../node/api/index.js';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { type Json, MINI_REGISTRY } from './harness.js';

/**
 * Quotas through HTTP (real node, real HTTP): a tenant past concurrentJobs or generationsPerHour
 * gets 429 TENANCY_QUOTA_EXCEEDED with Retry-After; GET /v1/usage reports the counts; two
 * submissions at once with one place left: exactly one is accepted; the hour's count survives a
 * restart of the node on the same home. A generation is held running by a model that never answers.
 */

const MODEL = 'openai:gpt-4o-mini';
let model: WireServer;
let home: string;
let node: WeaverNode;
let server: ApiServer;
const dev: Record<string, string> = {};

async function start() {
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
  server = await startApiServer(node, { port: 0 });
}

async function stop() {
  await server?.close();
  await node?.stop();
}

async function req(
  method: string,
  path: string,
  token: string,
  json?: unknown,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** a generation of the tenant: the template engine alone (quick), or the model that never answers (held) */
const generate = (tenant: string, held = false) =>
  req('POST', '/v1/generate', dev[tenant], {
    registry: join(home, 'tenants', tenant, 'registries', 'mini'),
    languages: ['typescript'],
    models: held ? [MODEL] : ['builtin'],
    validate: false,
  });

const quotas: Record<string, Record<string, number>> = {
  jobs: { concurrentJobs: 1 },
  hourly: { generationsPerHour: 2 },
  race: { generationsPerHour: 1 },
  racejobs: { concurrentJobs: 1 },
};

beforeAll(async () => {
  model = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: () => ({ hang: true }) });
  home = await mkdtemp(join(tmpdir(), 'wg-tenancy-quotas-'));
  await start();
  for (const [id, q] of Object.entries(quotas)) {
    const made = await req('POST', '/v1/tenants', node.token, { id, quotas: q });
    expect(made.status).toBe(201);
    const t = await req('POST', `/v1/tenants/${id}/tokens`, node.token, { name: 'dev', role: 'developer' });
    dev[id] = t.body.secret;
    await cp(MINI_REGISTRY, join(home, 'tenants', id, 'registries', 'mini'), { recursive: true });
  }
});

afterAll(async () => {
  await stop();
  await model?.close();
  await rm(home, { recursive: true, force: true });
});

const expectQuota = (r: { status: number; body: Json; headers: Headers }, quota: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(429);
  expect(r.body.error.code).toBe('TENANCY_QUOTA_EXCEEDED');
  expect(r.body.error.details).toMatchObject({ quota });
  const retry = Number(r.headers.get('retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  return retry;
};

describe('quotas through HTTP', () => {
  it('concurrentJobs=1: a second generation (or task) while one runs is 429 with Retry-After', async () => {
    const first = await generate('jobs', true);
    expect(first.status).toBe(202);
    const second = await generate('jobs');
    expect(expectQuota(second, 'concurrentJobs')).toBeLessThanOrEqual(60);
    expect(second.body.error.details).toMatchObject({ limit: 1, used: 1 });
    const task = await req('POST', '/v1/tasks', dev.jobs, {
      description: 'x',
      language: 'ts',
      tests: [{ path: 'x.test.ts', content: "import { test } from 'node:test';\ntest('x', () => {});\n" }],
    });
    expectQuota(task, 'concurrentJobs');
    const usage = await req('GET', '/v1/usage', dev.jobs);
    expect(usage.body).toMatchObject({
      tenant: 'jobs',
      jobsInFlight: 1,
      generationsLastHour: 1,
      quotas: { concurrentJobs: 1 },
    });
  });

  it('generationsPerHour=2: the third is 429 with a Retry-After of at most an hour and a minute', async () => {
    expect((await generate('hourly')).status).toBe(202);
    expect((await generate('hourly')).status).toBe(202);
    const third = await generate('hourly');
    expect(expectQuota(third, 'generationsPerHour')).toBeLessThanOrEqual(3660);
    const usage = await req('GET', '/v1/usage', dev.hourly);
    expect(usage.body).toMatchObject({ tenant: 'hourly', generationsLastHour: 2 });
  });

  it('two submissions at once with one place left: exactly one 202', async () => {
    for (const tenant of ['race', 'racejobs']) {
      const both = await Promise.all([generate(tenant, true), generate(tenant, true)]);
      expect(both.map((r) => r.status).sort(), tenant).toEqual([202, 429]);
      expect((await req('GET', '/v1/usage', dev[tenant])).body.generationsLastHour).toBe(1);
    }
  });

  it('the hour of generations survives a restart on the same home', async () => {
    await stop();
    await start();
    const usage = await req('GET', '/v1/usage', dev.hourly);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ tenant: 'hourly', generationsLastHour: 2 });
    expectQuota(await generate('hourly'), 'generationsPerHour');
    expect((await req('GET', '/v1/usage', dev.race)).body.generationsLastHour).toBe(1);
    expectQuota(await generate('race'), 'generationsPerHour');
    // nothing runs after the restart: the held generations ended with the last process
    expect((await req('GET', '/v1/usage', dev.jobs)).body).toMatchObject({
      jobsInFlight: 0,
      generationsLastHour: 1,
    });
    expect((await generate('jobs')).status).toBe(202);
  });
});
