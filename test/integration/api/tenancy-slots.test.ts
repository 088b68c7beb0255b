import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import { createNode, type WeaverNode } from '../../../node/node.js';
import { startWireServer, type WireServer } from '../../helpers/wire-servers.js';
import { MINI_REGISTRY } from './harness.js';

/**
 * generation.concurrency is the node's, not each tenant's: with 1, a generation of tenant b waits
 * queued while tenant a's runs (held by a model that never answers), however many tenants submit.
 */

const MODEL = 'openai:gpt-4o-mini';
let model: WireServer;
let home: string;
let node: WeaverNode;

beforeAll(async () => {
  model = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: () => ({ hang: true }) });
  home = await mkdtemp(join(tmpdir(), 'wg-tenancy-slots-'));
  const config = await loadConfig(
    {
      home,
      network: { enabled: false },
      generation: { concurrency: 1, shutdownGraceMs: 200, predict: { enabled: false } },
      models: {
        models: `builtin,${MODEL}`,
        openai: { apiKey: 'sk-test', baseURL: model.url, maxRetries: 0 },
      },
    },
    {},
  );
  node = await createNode(config);
  for (const id of ['a', 'b', 'c']) {
    await node.tenancy.create({ id });
    await cp(MINI_REGISTRY, join(home, 'tenants', id, 'registries', 'mini'), { recursive: true });
  }
});

afterAll(async () => {
  await node?.stop();
  await model?.close();
  await rm(home, { recursive: true, force: true });
});

const registry = (tenant: string) => join(home, 'tenants', tenant, 'registries', 'mini');

describe("the node's concurrency across tenants", () => {
  it("holds: b's and c's generations wait queued while a's runs", async () => {
    const a = await node.forTenant('a');
    const held = await a.generate({
      registry: registry('a'),
      languages: ['typescript'],
      models: [MODEL],
      validate: false,
    });
    const until = Date.now() + 20_000;
    while ((await a.generation(held.id))?.status !== 'running' && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    expect((await a.generation(held.id))?.status).toBe('running');
    const waiting = await Promise.all(
      ['b', 'c'].map(async (t) => {
        const tenant = await node.forTenant(t);
        const { id } = await tenant.generate({
          registry: registry(t),
          languages: ['typescript'],
          models: ['builtin'],
          validate: false,
        });
        return { tenant, id };
      }),
    );
    // a builtin generation of the mini registry takes well under a second when it may run
    await new Promise((r) => setTimeout(r, 1500));
    for (const { tenant, id } of waiting) expect((await tenant.generation(id))?.status).toBe('queued');
    expect(node.health().generations.inFlight).toBe(3);
  });
});
