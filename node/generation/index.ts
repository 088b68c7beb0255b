import type { Pack } from '../packs/index.js';
import { resolveParams } from '../packs/index.js';
import type { EmitScope } from '../validation/expected.js';
import { type RenderOptions, renderInPool } from './pool.js';
import { DEFAULT_LIMITS, type GeneratedFile, type RenderLimits } from './render.js';
import type { TemplateRegistry } from './template-model.js';

export {
  GenerationError,
  GenerationErrorCode,
  type GenerationErrorType,
  type RenderLimitKind,
} from './errors.js';
export { LANGUAGES, type Language, toLanguage } from './languages.js';
export {
  closeRenderPool,
  configureRenderPool,
  createRenderBudget,
  DEFAULT_POOL,
  type RenderBudget,
  type RenderOptions,
  type RenderPoolOptions,
  renderBudgetOf,
  renderPoolOptions,
} from './pool.js';
export { DEFAULT_LIMITS, type GeneratedFile, type RenderLimits } from './render.js';
export { type TemplateRegistry, toTemplateRegistry } from './template-model.js';

export interface TemplateGeneration {
  pack: { name: string; version: string; language: string };
  params: Record<string, string>;
  files: GeneratedFile[];
  /** what the output should hold, from the manifest's `emits` rendered with the params */
  scope: EmitScope;
  durationMs: number;
}

/**
 * Renders a pack with checked params; the built-in template generator's core. The rendering runs in
 * a process of the render pool (pool.ts) under its budgets, never on the event loop; `options` adds
 * the caller's cancellation and the generation's budget.
 */
export async function generateWithPack(
  pack: Pack,
  model: TemplateRegistry,
  given: Record<string, string> = {},
  limits: RenderLimits = DEFAULT_LIMITS,
  options: RenderOptions = {},
): Promise<TemplateGeneration> {
  const started = performance.now();
  const params = resolveParams(pack.manifest, given);
  const { files, scope } = await renderInPool(pack, model, params, limits, options);
  return {
    pack: { name: pack.manifest.name, version: pack.manifest.version, language: pack.manifest.language },
    params,
    files,
    scope,
    durationMs: performance.now() - started,
  };
}
