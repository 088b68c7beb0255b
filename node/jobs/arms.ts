import type { Language } from '../generation/index.js';
import { promptPacks } from '../models/index.js';
import { type Arm, enumerateArms, packIdOf } from '../optimizer/arms.js';
import { builtinPacks, findPack, type Pack } from '../packs/index.js';

/**
 * Every variant of every pack a language's generation may use: the arms the optimizer chooses among.
 * A named pack (a built-in name or a folder) narrows them: a template pack is the built-in
 * generator's, a prompt pack (`kind: prompt`) the model generators', when it is of this language.
 */
export async function armsFor(
  language: Language,
  packName?: string,
  llmModels: string[] = [],
  builtin = true,
): Promise<{ arms: Arm[]; packs: Map<string, Pack> }> {
  const named = packName ? await namedPack(language, packName) : undefined;
  const ours = named?.manifest.language === language ? named : undefined;
  const isPrompt = ours?.manifest.kind === 'prompt';
  const templates = !builtin
    ? []
    : ours && !isPrompt
      ? [ours]
      : (await builtinPacks()).filter((p) => p.manifest.language === language);
  // each configured model generator gets the language's prompt packs, in all their variants
  const prompts = !llmModels.length
    ? []
    : ours && isPrompt
      ? [ours]
      : (await promptPacks()).filter((p) => p.manifest.language === language);
  const arms = [
    ...enumerateArms(templates, { language }),
    ...enumerateArms(prompts, { language, models: llmModels }),
  ];
  return { arms, packs: new Map([...templates, ...prompts].map((p) => [packIdOf(p), p])) };
}

/** A pack by name among the built-in template and prompt packs, else a pack folder. */
export async function namedPack(language: Language, name: string): Promise<Pack> {
  const prompt = (await promptPacks()).find((p) => p.manifest.name === name);
  return prompt ?? findPack(language, name);
}
