import { afterEach, beforeAll, expect } from 'vitest';
import type { TemplateRegistry } from '../../../node/generation/index.js';
import { type GenerationProgress, type Generator, ModelError } from '../../../node/models/index.js';
import { startWireServer, type WireProtocol, type WireServer } from '../../helpers/wire-servers.js';
import { loadModel, MODEL_NAME } from './setup.js';

/**
 * For failure tests: loopback servers closed after each test, the example registry, and `failure`,
 * which runs a generation that must fail and returns its error (a ModelError, never anything else).
 * Call at the top level of a test file: it registers the hooks.
 */
export function failureHarness() {
  let model: TemplateRegistry;
  const servers: WireServer[] = [];
  beforeAll(async () => {
    model = await loadModel();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    model: () => model,
    async start(p: WireProtocol) {
      const s = await startWireServer(p, { models: [MODEL_NAME[p]] });
      servers.push(s);
      return s;
    },
    async failure(
      g: Generator,
      extra: { signal?: AbortSignal; onProgress?: (e: GenerationProgress) => void } = {},
    ) {
      const started = performance.now();
      try {
        await g.generate({ language: 'typescript', model, ...extra });
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        return { err: e as ModelError, ms: performance.now() - started };
      }
      throw new Error('the generation succeeded');
    },
  };
}
