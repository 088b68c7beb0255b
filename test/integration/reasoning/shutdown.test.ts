import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../node/config.js';
import type { GenerationRecord } from '../../../node/jobs/types.js';
import { createNode } from '../../../node/node.js';
import { createStore } from '../../../node/storage/index.js';
import { REAL_REGISTRY } from '../../helpers/registry.js';

describe('node shutdown', () => {
  it('records in-flight work as cancelled when the grace period ends, and closes the store', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wg-stop-'));
    const node = await createNode(
      await loadConfig({ home, api: { enabled: false }, generation: { shutdownGraceMs: 0 } }, {}),
    );
    const { id, done } = await node.generate({
      registry: REAL_REGISTRY,
      languages: ['java', 'rust', 'go', 'python', 'typescript'],
    });
    await new Promise((r) => setTimeout(r, 300)); // running, far from finished
    await node.stop();
    expect((await done).status).toBe('cancelled');
    const store = await createStore({ path: join(home, 'db') }); // the node closed it: it opens again
    try {
      expect((await store.get<GenerationRecord>('generations', id))?.status).toBe('cancelled');
    } finally {
      await store.close();
    }
  });
});
