import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  createPack,
  type Pack,
  PackError,
  PackErrorCode,
  type PackManifest,
} from '../../marketplace/pack.js';
import { packageRoot } from '../paths.js';

// what a pack is lives in the marketplace (packs travel between nodes); this part loads and picks them
export {
  createPack,
  PACK_LIMITS,
  type Pack,
  PackError,
  PackErrorCode,
  PackManifest,
  type ParamSpec,
} from '../../marketplace/pack.js';

/** Reads a pack folder: `pack.yaml` plus every file under `templates/`. */
export async function loadPackDir(dir: string): Promise<Pack> {
  const manifestText = await readFile(join(dir, 'pack.yaml'), 'utf8').catch(() => {
    throw new PackError({ code: PackErrorCode.NOT_FOUND, pack: dir }, `no pack.yaml in ${dir}`);
  });
  const templates: Record<string, string> = {};
  const base = join(dir, 'templates');
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else templates[relative(base, full)] = await readFile(full, 'utf8');
    }
  };
  await walk(base);
  return createPack(manifestText, templates, dir);
}

/** The built-in packs ship in the package under node/packs/builtin/<name>. */
export const BUILTIN_DIR = join(packageRoot(), 'node', 'packs', 'builtin');

let builtinCache: Promise<Pack[]> | undefined;

export function builtinPacks(): Promise<Pack[]> {
  builtinCache ??= (async () => {
    const dirs = (await readdir(BUILTIN_DIR, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    return Promise.all(
      dirs.map((d) => loadPackDir(join(BUILTIN_DIR, d)).then((p) => ({ ...p, origin: 'builtin' }))),
    );
  })();
  return builtinCache;
}

/** Finds a pack by name, or the default pack of a language when no name is given. */
export async function findPack(language: string, name?: string): Promise<Pack> {
  const packs = await builtinPacks();
  if (name) {
    const byName = packs.find((p) => p.manifest.name === name);
    if (byName) return byName;
    // a folder path given as --pack
    return loadPackDir(name).catch(() => {
      throw new PackError(
        { code: PackErrorCode.NOT_FOUND, pack: name },
        `no pack named "${name}" (built-in: ${packs.map((p) => p.manifest.name).join(', ')}), and no pack folder at that path`,
      );
    });
  }
  const byLang = packs.find((p) => p.manifest.language === language);
  if (!byLang)
    throw new PackError({ code: PackErrorCode.NOT_FOUND, language }, `no built-in pack for ${language}`);
  return byLang;
}

/** Fills defaults and checks every given param against the allowed values. */
export function resolveParams(
  manifest: PackManifest,
  given: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) {
    const spec = Object.hasOwn(manifest.params, k) ? manifest.params[k] : undefined;
    if (!spec)
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: k, pack: manifest.name },
        `pack ${manifest.name} has no param "${k}" (it has: ${Object.keys(manifest.params).join(', ') || 'none'})`,
      );
    if (!spec.values.includes(v))
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: k, pack: manifest.name, value: v },
        `param ${k}=${v} is not allowed by pack ${manifest.name}; use one of: ${spec.values.join(', ')}`,
      );
  }
  for (const [k, spec] of Object.entries(manifest.params)) out[k] = given[k] ?? spec.default;
  return out;
}
