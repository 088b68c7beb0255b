import type { Language } from '../generation/index.js';
import { promptPacks } from '../models/index.js';
import { type Arm, enumerateArms, packIdOf } from '../optimizer/arms.js';
import { builtinPacks, findPack, type Pack } from '../packs/index.js';

/** Every variant of every pack a language's generation may use: the arms the optimizer chooses among. */
export async function armsFor(
  language: Language,
  packName?: string,
  llmModels: string[] = [],
  builtin = true,
): Promise<{ arms: Arm[]; packs: Map<string, Pack> }> {
  // a named pack (built-in name or folder) narrows the arms to its variants, if it is of this language
  const named = packName ? await findPack(language, packName) : undefined;
  const templates = !builtin
    ? []
    : named && named.manifest.language === language
      ? [named]
      : (await builtinPacks()).filter((p) => p.manifest.language === language);
  // each configured model generator gets the language's prompt packs, in all their variants
  const prompts = llmModels.length
    ? (await promptPacks()).filter((p) => p.manifest.language === language)
    : [];
  const arms = [
    ...enumerateArms(templates, { language }),
    ...enumerateArms(prompts, { language, models: llmModels }),
  ];
  return { arms, packs: new Map([...templates, ...prompts].map((p) => [packIdOf(p), p])) };
}
