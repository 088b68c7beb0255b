/**
 * The provider adapters, each loaded when a model of its provider is configured: the SDKs take up
 * to a second to load, which a node (or a CLI command) without that provider should not pay.
 */
export const sdkClients = {
  openai: () => import('./openai.js').then((m) => m.createOpenAIClient),
  anthropic: () => import('./anthropic.js').then((m) => m.createAnthropicClient),
  ollama: () => import('./ollama.js').then((m) => m.createOllamaClient),
};
