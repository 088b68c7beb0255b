import { WeaverError } from '../../errors/index.js';

export enum PluginErrorCode {
  /** a name in `plugins` resolves to no package or file from the working directory or the home */
  NOT_FOUND = 'PLUGIN_NOT_FOUND',
  /** the module was found but importing it, or calling its factory, threw */
  LOAD_FAILED = 'PLUGIN_LOAD_FAILED',
  /** the plugin declares a plugin API major this WeaverGen does not speak */
  API_MISMATCH = 'PLUGIN_API_MISMATCH',
  /** what the module exports is not a plugin (a missing name, function, or a bad language) */
  INVALID = 'PLUGIN_INVALID',
  /** a loaded plugin's post-processor threw, hung or returned files outside its bounds */
  FAILED = 'PLUGIN_FAILED',
}

export type PluginErrorType =
  | { code: PluginErrorCode.NOT_FOUND; plugin: string; searched: string[] }
  | { code: PluginErrorCode.LOAD_FAILED; plugin: string; reason: string }
  | { code: PluginErrorCode.API_MISMATCH; plugin: string; declared: unknown; supported: number }
  | { code: PluginErrorCode.INVALID; plugin: string; issues: string[] }
  | { code: PluginErrorCode.FAILED; plugin: string; reason: string };

/** A plugin named in the configuration that cannot be used: the node does not start. */
export class PluginError extends WeaverError<PluginErrorType> {}
