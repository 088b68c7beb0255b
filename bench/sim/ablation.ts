import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROMPT_PACKS_DIR } from '../../node/models/index.js';

/**
 * The ablation's feedback template: the model is told only that its answer failed, in the product's
 * own pack otherwise (no diagnostics, no defect lists, no previous files).
 */
export const ABLATION_FEEDBACK =
  '{%- if feedback %}\nCorrection round {{ feedback.round }}: your previous answer did not pass validation; answer again.\n{%- endif %}\n';

/** A copy of the product's prompt pack of `language` (its own files) with the ablation's feedback template. */
export async function ablationPack(language: string, dir: string): Promise<string> {
  await cp(join(PROMPT_PACKS_DIR, language), dir, { recursive: true });
  await writeFile(join(dir, 'templates', 'feedback.liquid'), ABLATION_FEEDBACK);
  return dir;
}
