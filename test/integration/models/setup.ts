import { type TemplateRegistry, toTemplateRegistry } from '../../../node/generation/index.js';
import { createGenerators, type Generator, type ModelsConfig } from '../../../node/models/index.js';
import { loadRegistry } from '../../../node/semconv/index.js';
import { MINI_REGISTRY } from '../../helpers/registry.js';
import type { WireProtocol, WireServer } from '../../helpers/wire-servers.js';

export { MINI_REGISTRY };

export async function loadModel(dir = MINI_REGISTRY): Promise<TemplateRegistry> {
  return toTemplateRegistry((await loadRegistry(dir, { check: false })).registry);
}

export const MODEL_NAME: Record<WireProtocol, string> = {
  ollama: 'qwen3',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
};

/** The environment each SDK reads, pointed at a loopback server. */
export function envFor(server: WireServer): NodeJS.ProcessEnv {
  if (server.protocol === 'ollama') return { OLLAMA_HOST: server.url };
  if (server.protocol === 'openai') return { OPENAI_API_KEY: 'sk-wire-test', OPENAI_BASE_URL: server.url };
  return { ANTHROPIC_API_KEY: 'sk-ant-wire-test', ANTHROPIC_BASE_URL: server.url };
}

/** A generator for the server's protocol, built the way the node builds them (createGenerators). */
export async function generatorFor(
  server: WireServer,
  tuning: ModelsConfig['openai'] & object = {},
  extra: Omit<ModelsConfig, 'models'> = {},
): Promise<Generator> {
  const p = server.protocol;
  const id = `${p}:${MODEL_NAME[p]}`;
  const { apiKey: _k, baseURL: _u, organization: _o, streamUsage: _s, ...common } = tuning;
  const set = await createGenerators(
    { models: id, [p]: p === 'openai' ? tuning : common, progressIntervalMs: 0, ...extra },
    { env: envFor(server) },
  );
  const g = set.get(id);
  if (!g) throw new Error(`no generator ${id}: ${set.skipped.map((s) => s.message).join('; ')}`);
  return g;
}
