import type { Language } from '../generation/index.js';
import { promptPacks } from '../models/index.js';
import { type Arm, enumerateArms, packIdOf } from '../optimizer/arms.js';
import { builtinPacks, findPack, type Pack } from '../packs/index.js';

/**
 * Every variant of every pack a language's generation may use: the arms the optimizer chooses among.
 * The template packs are the built-in ones and then the installed ones (`installed`: packs fetched
 * from peers and checked, or published here; the built-in default stays the incumbent). A named pack
 * (a built-in or installed name or content id, or a folder) narrows them: a template pack is the
 * built-in generator's, a prompt pack (`kind: prompt`) the model generators', when it is of this language.
 */
export async function armsFor(
  language: Language,
  packName?: string,
  llmModels: string[] = [],
  builtin = true,
  installed: Pack[] = [],
): Promise<{ arms: Arm[]; packs: Map<string, Pack> }> {
  const named = packName ? await namedPack(language, packName, installed) : undefined;
  const ours = named?.manifest.language === language ? named : undefined;
  const isPrompt = ours?.manifest.kind === 'prompt';
  const templates = !builtin
    ? []
    : ours && !isPrompt
      ? [ours]
      : [...(await builtinPacks()), ...installed].filter(
          (p) => p.manifest.language === language && p.manifest.kind === 'template',
        );
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

/**
 * A pack by name among the built-in template and prompt packs, then the installed ones (by name,
 * the one installed last, or by content id), else a pack folder.
 */
export async function namedPack(language: Language, name: string, installed: Pack[] = []): Promise<Pack> {
  const prompt = (await promptPacks()).find((p) => p.manifest.name === name);
  if (prompt) return prompt;
  if ((await builtinPacks()).some((p) => p.manifest.name === name)) return findPack(language, name);
  const mine = installed.filter((p) => p.manifest.name === name || packIdOf(p) === name);
  if (mine.length) return mine[mine.length - 1];
  return findPack(language, name);
}

/** A pack read from a folder given as `pack` (neither built in nor installed): the team's own, private. */
export const fromFolder = (pack: Pack) => pack.origin !== 'builtin' && !pack.origin.startsWith('installed:');
