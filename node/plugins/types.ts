import type { GeneratedFile, Language, TemplateRegistry } from '../generation/index.js';
import type { Feedback } from '../models/index.js';
import type { EmitScope, ToolDiagnostic } from '../validation/index.js';

/**
 * What a plugin module's default export is (or what its default export, a function, returns when
 * called with a PluginContext). Plain JavaScript objects: nothing to extend or import from WeaverGen.
 */
export interface Plugin {
  /** for messages: usually the package's name */
  name: string;
  /** the plugin API major it was written for: PLUGIN_API_VERSION (api-version.ts) */
  apiVersion: number;
  validators?: PluginValidator[];
  generators?: PluginGenerator[];
  postProcessors?: PostProcessor[];
}

/** What a plugin's factory is called with. */
export interface PluginContext {
  apiVersion: number;
  weavergenVersion: string;
  /** the node's working directory and home folder */
  cwd: string;
  home?: string;
  /** a line on the node's log (stderr), prefixed with the plugin's name */
  log(message: string): void;
}

/**
 * A check that runs after a language's own toolchain, e.g. a linter. Its diagnostics count as the
 * toolchain's warnings (the quality score's warnings component); it never makes a candidate pass or
 * fail. When its tool is missing it answers `{ status: 'not_validated', reason: 'not validated: eslint
 * not found' }`. Past its time its signal is aborted and it counts as failed (a diagnostic, no score).
 */
export interface PluginValidator {
  /** unique in the plugin: `eslint` */
  name: string;
  /** one of typescript, python, go, rust, java */
  language: Language;
  /** the tool it drives, for messages */
  tool: string;
  validate(
    files: PluginFile[],
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<PluginValidation>;
}

export interface PluginValidation {
  status: 'passed' | 'not_validated';
  reason?: string;
  diagnostics?: PluginDiagnostic[];
}

export type PluginDiagnostic = Pick<ToolDiagnostic, 'file' | 'line' | 'message'> & {
  column?: number;
};

export interface PluginFile {
  path: string;
  content: string;
}

/**
 * A way of producing code, like a model: it becomes the generator `plugin:<name>`, whose arms the
 * optimizer chooses among like those of the configured models (with the language's prompt packs).
 */
export interface PluginGenerator {
  /** lowercase letters, digits, `.`, `_`, `-`: the generator is `plugin:<name>` */
  name: string;
  /** the languages it generates */
  languages: Language[];
  generate(request: PluginGenerateRequest): Promise<{ files: PluginFile[]; scope?: EmitScope }>;
}

export interface PluginGenerateRequest {
  language: Language;
  /** the resolved registry, as templates see it */
  registry: TemplateRegistry;
  params: Record<string, string>;
  /** what the previous round's validation said, in a correction round */
  feedback?: Feedback;
  signal: AbortSignal;
}

/**
 * Changes a language's winning files before they are written (a license header, a formatter). Its
 * output follows the packs' path rule and is bounded (post-process.ts); when it throws, the language
 * is not written and its outcome says which plugin failed.
 */
export interface PostProcessor {
  name: string;
  /** the languages it applies to; default all */
  languages?: Language[];
  process(language: Language, files: PluginFile[]): PluginFile[] | Promise<PluginFile[]>;
}

export type { GeneratedFile };
