import { DEFAULT_LIMITS, generateWithPack, type RenderLimits } from '../generation/index.js';
import { findPack } from '../packs/index.js';
import { ModelError, ModelErrorCode } from './errors.js';
import type { Generator } from './index.js';
import { asModelError, cancelled } from './llm.js';

export const BUILTIN_ID = 'builtin';

/**
 * The embedded template engine as a generator: a template pack rendered over the registry. It needs
 * nothing external, costs nothing and is deterministic, so it ignores feedback (a correction round
 * changes its pack or params instead).
 */
export function createBuiltinGenerator(init: { limits?: RenderLimits } = {}): Generator {
  const limits = init.limits ?? DEFAULT_LIMITS;
  return {
    id: BUILTIN_ID,
    kind: 'builtin',
    modelName: BUILTIN_ID,
    async generate(request) {
      const started = performance.now();
      if (request.signal?.aborted) throw cancelled(BUILTIN_ID);
      try {
        const pack = request.pack ?? (await findPack(request.language));
        if (pack.manifest.kind !== 'template')
          throw new ModelError(
            { code: ModelErrorCode.BAD_PACK, generator: BUILTIN_ID },
            `pack ${pack.manifest.name} is a ${pack.manifest.kind} pack; the builtin generator needs a template pack`,
          );
        if (pack.manifest.language !== request.language)
          throw new ModelError(
            { code: ModelErrorCode.BAD_PACK, generator: BUILTIN_ID },
            `pack ${pack.manifest.name} is for ${pack.manifest.language}, not ${request.language}`,
          );
        const gen = await generateWithPack(pack, request.model, request.params, limits);
        const result = {
          files: gen.files,
          usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, priced: true },
          model: BUILTIN_ID,
          kind: 'builtin' as const,
          durationMs: performance.now() - started,
          scope: gen.scope,
          pack: { ...gen.pack, kind: 'template' as const },
          params: gen.params,
        };
        try {
          request.onProgress?.({
            phase: 'done',
            generator: BUILTIN_ID,
            files: result.files.length,
            usage: result.usage,
            durationMs: result.durationMs,
          });
        } catch {
          // a listener's failure is not the generation's
        }
        return result;
      } catch (e) {
        throw asModelError(e, BUILTIN_ID);
      }
    },
    async probe() {},
  };
}
