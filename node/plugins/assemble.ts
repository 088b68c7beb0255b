import { createHash } from 'node:crypto';
import type { GeneratedFile, Language } from '../generation/index.js';
import type { Generator } from '../models/index.js';
import type { ExtraCheck } from '../validation/index.js';
import { pluginCheck, pluginGenerator } from './adapters.js';
import { PluginError, PluginErrorCode } from './errors.js';
import type { LoadedPlugin } from './load.js';
import { type NamedPostProcessor, postProcess } from './post-process.js';

export interface Assembled {
  checks: ExtraCheck[];
  generators: Generator[];
  postProcess?: (language: Language, files: GeneratedFile[]) => Promise<GeneratedFile[]>;
  fingerprint: string;
}

/**
 * What the loaded plugins give the parts: checks for validation, generators for models, one
 * post-processing function for jobs (undefined without post-processors), and a fingerprint of the
 * plugins (entries, names, versions) for cache keys: an outcome measured without a linter is not
 * one measured with it. Two generators of one name are PLUGIN_INVALID.
 */
export function assemble(
  loaded: readonly LoadedPlugin[],
  timeouts: { generatorMs: number; postProcessMs: number },
): Assembled {
  const generators: Generator[] = [];
  const owner = new Map<string, string>();
  for (const l of loaded)
    for (const g of l.plugin.generators ?? []) {
      const other = owner.get(g.name);
      if (other)
        throw new PluginError(
          {
            code: PluginErrorCode.INVALID,
            plugin: l.entry,
            issues: [`generators: ${g.name} is also ${other}'s`],
          },
          `plugins ${other} and ${l.entry} both bring a generator ${g.name}: remove one of them from "plugins" in weavergen.config.json`,
        );
      owner.set(g.name, l.entry);
      generators.push(pluginGenerator(l.plugin.name, g, timeouts.generatorMs));
    }
  const checks = loaded.flatMap((l) => (l.plugin.validators ?? []).map((v) => pluginCheck(l.plugin.name, v)));
  const processors: NamedPostProcessor[] = loaded.flatMap((l) =>
    (l.plugin.postProcessors ?? []).map((processor) => ({ plugin: l.plugin.name, processor })),
  );
  const fingerprint = loaded.length
    ? createHash('sha256')
        .update(JSON.stringify(loaded.map((l) => [l.entry, l.plugin.name, l.version ?? '', l.file])))
        .digest('hex')
        .slice(0, 16)
    : '';
  return {
    checks,
    generators,
    ...(processors.length
      ? { postProcess: (language, files) => postProcess(processors, language, files, timeouts.postProcessMs) }
      : {}),
    fingerprint,
  };
}
