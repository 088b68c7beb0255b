import type { GeneratedFile, Language } from '../generation/index.js';
import type { Generator } from '../models/index.js';
import type { ExtraCheck } from '../validation/index.js';
import { assemble } from './assemble.js';
import { loadPlugin } from './load.js';

export { checkApiVersion, PLUGIN_API_VERSION } from './api-version.js';
export { type KeyedCache, saltedCache } from './cache-key.js';
export { PluginError, PluginErrorCode, type PluginErrorType } from './errors.js';
export type { LoadedPlugin } from './load.js';
export type {
  Plugin,
  PluginContext,
  PluginDiagnostic,
  PluginFile,
  PluginGenerateRequest,
  PluginGenerator,
  PluginValidation,
  PluginValidator,
  PostProcessor,
} from './types.js';

/** The plugins of a node, loaded once per process, as the parts take them. */
export interface Plugins {
  /** what was loaded, in the configured order */
  loaded: { entry: string; name: string; version?: string; file: string }[];
  /** validators: checks that run after a language's toolchain (createValidator's `checks`) */
  checks: ExtraCheck[];
  /** generators `plugin:<name>` (createGenerators' `extra`) */
  generators: Generator[];
  /** the post-processors over a language's winning files (runGeneration's `postProcess`); undefined without any */
  postProcess?: (language: Language, files: GeneratedFile[]) => Promise<GeneratedFile[]>;
  /** changes when the plugins do ('' without plugins): part of the result and request cache keys */
  fingerprint: string;
}

export interface PluginsInit {
  /** `plugins` of the configuration: npm package names or paths (node/plugins/load.ts) */
  plugins?: readonly string[];
  /** where names and relative paths are looked up first (default process.cwd()) */
  cwd?: string;
  /** and then (the node's home) */
  home?: string;
  log?: (message: string) => void;
  /** a plugin generator's answer (default 300 s) and a post-processor's (default 30 s) */
  generatorTimeoutMs?: number;
  postProcessTimeoutMs?: number;
}

/**
 * Loads the configured plugins in order; the first that cannot be used throws a PluginError whose
 * message is one line naming the plugin, the reason and the fix (the node does not start).
 */
export async function createPlugins(init: PluginsInit = {}): Promise<Plugins> {
  const cwd = init.cwd ?? process.cwd();
  const loaded = [];
  for (const entry of [...new Set(init.plugins ?? [])])
    loaded.push(await loadPlugin(entry, { cwd, home: init.home, log: init.log }));
  return {
    loaded: loaded.map((l) => ({
      entry: l.entry,
      name: l.plugin.name,
      file: l.file,
      ...(l.version ? { version: l.version } : {}),
    })),
    ...assemble(loaded, {
      generatorMs: init.generatorTimeoutMs ?? 300_000,
      postProcessMs: init.postProcessTimeoutMs ?? 30_000,
    }),
  };
}
