import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Language } from '../generation/index.js';
import { loadPackDir, type Pack } from '../packs/index.js';
import { packageRoot } from '../paths.js';
import { ModelError, ModelErrorCode } from './errors.js';

/**
 * The built-in prompt packs (`kind: prompt`), one per language, under node/models/prompts/<language>.
 * They live beside the models rather than in node/packs/builtin so that code listing the template
 * packs of a language (findPack, the optimizer's arms) does not pick them up as templates.
 */
export const PROMPT_PACKS_DIR = join(packageRoot(), 'node', 'models', 'prompts');

let cache: Promise<Pack[]> | undefined;

export function promptPacks(): Promise<Pack[]> {
  cache ??= (async () => {
    const dirs = (await readdir(PROMPT_PACKS_DIR, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    return Promise.all(
      dirs.map((d) => loadPackDir(join(PROMPT_PACKS_DIR, d)).then((p) => ({ ...p, origin: 'builtin' }))),
    );
  })();
  return cache;
}

/** The built-in prompt pack of a language (or the one named `name`). */
export async function findPromptPack(language: Language, name?: string): Promise<Pack> {
  const packs = await promptPacks();
  const found = packs.find((p) => p.manifest.language === language && (!name || p.manifest.name === name));
  if (!found)
    throw new ModelError(
      { code: ModelErrorCode.BAD_PACK },
      `no built-in prompt pack ${name ? `named ${name} ` : ''}for ${language} (have: ${packs.map((p) => p.manifest.name).join(', ')})`,
    );
  return found;
}
