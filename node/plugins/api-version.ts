import { PluginError, PluginErrorCode } from './errors.js';

/**
 * The plugin API this WeaverGen speaks. A plugin declares the major it was written for
 * (`apiVersion: 1`); another major is refused at start: a new major changes what a plugin is given
 * or must return, so running it anyway would fail later and less clearly. Additions that an older
 * plugin can ignore (a new optional field in what it is given) keep the major.
 */
export const PLUGIN_API_VERSION = 1;

/** Throws PLUGIN_API_MISMATCH, saying what to do, unless `declared` is PLUGIN_API_VERSION. */
export function checkApiVersion(plugin: string, declared: unknown): void {
  if (declared === PLUGIN_API_VERSION) return;
  const said =
    typeof declared === 'number' && Number.isInteger(declared)
      ? `declares plugin API ${declared}`
      : `declares no plugin API version (apiVersion: ${JSON.stringify(declared) ?? 'missing'})`;
  const fix =
    typeof declared === 'number' && declared > PLUGIN_API_VERSION
      ? `upgrade weavergen, or use a version of ${plugin} that supports ${PLUGIN_API_VERSION}`
      : `use a version of ${plugin} that supports ${PLUGIN_API_VERSION}`;
  throw new PluginError(
    { code: PluginErrorCode.API_MISMATCH, plugin, declared, supported: PLUGIN_API_VERSION },
    `plugin ${plugin} ${said}; this WeaverGen supports ${PLUGIN_API_VERSION}: ${fix} (or remove it from "plugins" in weavergen.config.json)`,
  );
}
