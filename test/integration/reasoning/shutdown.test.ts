import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import type { GenerationRecord } from '../../../node/jobs/types.js';
import { createNode } from '../../../node/node.js';
import { createStore } from '../../../node/storage/index.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';
import { startWireServer } from '../../helpers/wire-servers.js';

describe('node shutdown', () => {
  it('records in-flight work as cancelled when the grace period ends, and closes the store', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-stop-'));
    // the generation's model never answers: it is in flight until the node stops, however fast the machine
    const model = await startWireServer('openai', { models: ['gpt-4o-mini'], otherwise: { hang: true } });
    const node = await createNode(
      await loadConfig(
        {
          home,
          api: { enabled: false },
          generation: { shutdownGraceMs: 0 },
          models: { models: 'builtin,openai:gpt-4o-mini', openai: { apiKey: 'sk-test', baseURL: model.url } },
        },
        {},
      ),
    );
    const { id, done } = await node.generate({
      registry: MINI_REGISTRY,
      languages: ['java', 'rust', 'go', 'python', 'typescript'],
      models: ['openai:gpt-4o-mini'],
    });
    // running: the model has been asked and holds the answer
    for (const end = Date.now() + 60_000; model.requests.length === 0 && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 20));
    expect(model.requests.length).toBeGreaterThan(0);
    expect((await node.generation(id))?.status).toBe('running');
    await node.stop();
    await model.close();
    expect((await done).status).toBe('cancelled');
    const store = await createStore({ path: join(home, 'db') }); // the node closed it: it opens again
    try {
      expect((await store.get<GenerationRecord>('generations', id))?.status).toBe('cancelled');
    } finally {
      await store.close();
    }
  });
});
