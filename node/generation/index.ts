import { Liquid } from 'liquidjs';
import type { Pack } from '../packs/index.js';
import { resolveParams } from '../packs/index.js';
import type { EmitScope } from '../validation/expected.js';
import { DEFAULT_LIMITS, type GeneratedFile, type RenderLimits, renderPack } from './render.js';
import type { TemplateRegistry } from './template-model.js';

export { GenerationError, GenerationErrorCode, type GenerationErrorType } from './errors.js';
export { LANGUAGES, type Language, toLanguage } from './languages.js';
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

/** Renders a pack with checked params; the built-in template generator's core. */
export async function generateWithPack(
  pack: Pack,
  model: TemplateRegistry,
  given: Record<string, string> = {},
  limits: RenderLimits = DEFAULT_LIMITS,
): Promise<TemplateGeneration> {
  const started = performance.now();
  const params = resolveParams(pack.manifest, given);
  const files = await renderPack(pack, model, params, limits);
  return {
    pack: { name: pack.manifest.name, version: pack.manifest.version, language: pack.manifest.language },
    params,
    files,
    scope: await emitScope(pack, params),
    durationMs: performance.now() - started,
  };
}

const scopeEngine = new Liquid({
  ownPropertyOnly: true,
  parseLimit: 1000,
  renderLimit: 100,
  memoryLimit: 10_000,
});

async function emitScope(pack: Pack, params: Record<string, string>): Promise<EmitScope> {
  const render = (t: string) => scopeEngine.parseAndRender(t, { params }).then((s) => s.trim());
  return {
    stability: await render(pack.manifest.emits.stability),
    deprecated: await render(pack.manifest.emits.deprecated),
  };
}
