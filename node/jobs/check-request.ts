import { findPack, PackError, PackErrorCode } from '../packs/index.js';
import { armsFor } from './arms.js';
import type { GenerationRequest } from './types.js';

/**
 * What a request asks, checked before it is stored (so a bad request is a 400 / exit 2, not a
 * failed generation): the named pack exists and is of one of its languages, every param is declared
 * by a pack the request uses, and its value is one that pack allows.
 */
export async function checkRequest(req: GenerationRequest, llmModels: string[]): Promise<void> {
  const builtin = !req.models || req.models.includes('builtin');
  const perLanguage = await Promise.all(req.languages.map((l) => armsFor(l, req.pack, llmModels, builtin)));
  const packs = perLanguage.flatMap((a) => [...a.packs.values()]);
  if (req.pack && builtin) {
    const named = await findPack(req.languages[0], req.pack);
    if (!(req.languages as string[]).includes(named.manifest.language))
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: 'pack', pack: named.manifest.name },
        `pack ${named.manifest.name} is for ${named.manifest.language}, and this request asks for ${req.languages.join(', ')}; add ${named.manifest.language} to the languages, or leave the pack out`,
      );
  }
  for (const [name, value] of Object.entries(req.params ?? {})) {
    const declaring = packs.filter((p) => name in p.manifest.params);
    if (declaring.length === 0) {
      const known = [...new Set(packs.flatMap((p) => Object.keys(p.manifest.params)))].sort();
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: name, value },
        `no pack of this request has a param "${name}" (known: ${known.join(', ') || 'none'})`,
      );
    }
    for (const p of declaring) {
      const allowed = p.manifest.params[name].values;
      if (!allowed.includes(value))
        throw new PackError(
          { code: PackErrorCode.BAD_PARAM, param: name, value, pack: p.manifest.name },
          `param ${name}=${value} is not allowed by pack ${p.manifest.name}; use one of: ${allowed.join(', ')}`,
        );
    }
  }
}
