import {
  definedOnly,
  KEY_VARS,
  type ModelSpec,
  type ModelsConfig,
  OLLAMA_DEFAULT_HOST,
  PROVIDER_DEFAULTS,
  URL_VARS,
} from './config.js';
import type { ChatClient } from './llm.js';

/**
 * The provider adapters, each loaded when a model of its provider is configured: the SDKs take up
 * to a second to load, which a node (or a CLI command) without that provider should not pay.
 */
export const sdkClients = {
  openai: () => import('./openai.js').then((m) => m.createOpenAIClient),
  anthropic: () => import('./anthropic.js').then((m) => m.createAnthropicClient),
  ollama: () => import('./ollama.js').then((m) => m.createOllamaClient),
};

type ProviderSpec = Exclude<ModelSpec, { provider: 'builtin' }>;

/** A configured model: its client, its settings (provider defaults < provider config < per-model config). */
export type ConfiguredClient =
  | {
      client: ChatClient;
      settings: (typeof PROVIDER_DEFAULTS)[ProviderSpec['provider']];
      defaultHost: boolean;
    }
  | { skipped: string };

/**
 * The chat client for one model spec, as generation and tasks both use it: settings merged,
 * the key and base URL from the config or the provider's environment variables. A model without
 * its key is skipped with the variable to set.
 */
export async function chatClientFor(
  spec: ProviderSpec,
  config: ModelsConfig,
  env: NodeJS.ProcessEnv,
): Promise<ConfiguredClient> {
  const { provider, model, id } = spec;
  const settings = {
    ...PROVIDER_DEFAULTS[provider],
    ...definedOnly(config[provider] ?? {}),
    ...definedOnly(config.perModel?.[id] ?? {}),
  };
  if (provider === 'ollama') {
    const host = config.ollama?.host || env.OLLAMA_HOST || OLLAMA_DEFAULT_HOST;
    const client = (await sdkClients.ollama())({
      ...settings,
      model,
      host,
      keepAlive: config.ollama?.keepAlive,
    });
    return { client, settings, defaultHost: host === OLLAMA_DEFAULT_HOST };
  }
  const apiKey = config[provider]?.apiKey ?? env[KEY_VARS[provider]];
  if (!apiKey) return { skipped: `${id} skipped: ${KEY_VARS[provider]} is not set` };
  const baseURL = config[provider]?.baseURL ?? (env[URL_VARS[provider]] || undefined);
  const client =
    provider === 'openai'
      ? (await sdkClients.openai())({
          ...settings,
          model,
          apiKey,
          baseURL,
          organization: config.openai?.organization,
          streamUsage: config.openai?.streamUsage,
        })
      : (await sdkClients.anthropic())({ ...settings, model, apiKey, baseURL });
  return { client, settings, defaultHost: false };
}
