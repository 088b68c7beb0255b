import { packCid, paramsHash } from '../../marketplace/pack-id.js';
import { armKey } from '../learning/features.js';
import type { Pack } from '../packs/index.js';

export { armKey } from '../learning/features.js';

/** What the optimizer chooses between: a pack, one combination of its params, a model. */
export interface Arm {
  key: string;
  packId: string;
  packName: string;
  language: string;
  params: Record<string, string>;
  paramsHash: string;
  model: string;
  /** the params are the pack's defaults (the incumbent a variant must beat to be promoted) */
  isDefault: boolean;
}

export const BUILTIN_MODEL = 'builtin';

const cids = new WeakMap<Pack, string>();

/** The pack's content id, computed once per loaded pack. */
export function packIdOf(pack: Pack): string {
  let id = cids.get(pack);
  if (!id) {
    id = packCid({ manifest: pack.manifest, templates: pack.templates });
    cids.set(pack, id);
  }
  return id;
}

/** Every combination of a pack's params (their cartesian product), the default combination first. */
export function paramCombinations(pack: Pack): Record<string, string>[] {
  const names = Object.keys(pack.manifest.params).sort();
  let combos: Record<string, string>[] = [{}];
  for (const name of names) {
    const spec = pack.manifest.params[name];
    const values = [spec.default, ...spec.values.filter((v) => v !== spec.default)];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

export function armOf(pack: Pack, params: Record<string, string>, model = BUILTIN_MODEL): Arm {
  const packId = packIdOf(pack);
  const hash = paramsHash(params);
  const defaults = Object.entries(pack.manifest.params).every(([k, spec]) => params[k] === spec.default);
  return {
    key: armKey({ packId, paramsHash: hash, model }),
    packId,
    packName: pack.manifest.name,
    language: pack.manifest.language,
    params,
    paramsHash: hash,
    model,
    isDefault: defaults,
  };
}

/**
 * The arms of some packs: pack x every param combination x model. Optionally only the packs of
 * one language. TypeScript's pack gives 12 arms per model, Python's and Go's 18.
 */
export function enumerateArms(packs: Pack[], options: { models?: string[]; language?: string } = {}): Arm[] {
  const models = options.models ?? [BUILTIN_MODEL];
  return packs
    .filter((p) => !options.language || p.manifest.language === options.language)
    .flatMap((p) => paramCombinations(p).flatMap((params) => models.map((m) => armOf(p, params, m))));
}
