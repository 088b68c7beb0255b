import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../paths.js';
import { PackError, PackErrorCode } from './errors.js';
import { PackManifest } from './manifest.js';

export { PackError, PackErrorCode } from './errors.js';
export { PackManifest, type ParamSpec } from './manifest.js';

/** A pattern pack in memory: its manifest and its templates by path. Packs are data, never code. */
export interface Pack {
  manifest: PackManifest;
  templates: Record<string, string>;
  /** Where it was loaded from ('builtin' or a folder), for messages only. */
  origin: string;
}

export const PACK_LIMITS = { maxTemplates: 200, maxTemplateBytes: 256 * 1024, maxPackBytes: 2 * 1024 * 1024 };

const MANIFEST = 'pack.yaml';

/** Builds a pack from its manifest text and template texts, enforcing the size limits. */
export function createPack(manifestText: string, templates: Record<string, string>, origin: string): Pack {
  let raw: unknown;
  try {
    raw = parseYaml(manifestText, { maxAliasCount: 50 });
  } catch (e) {
    throw new PackError(
      PackErrorCode.INVALID_MANIFEST,
      `${origin}: pack.yaml is not valid YAML: ${(e as Error).message}`,
    );
  }
  const parsed = PackManifest.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PackError(PackErrorCode.INVALID_MANIFEST, `${origin}: invalid pack.yaml: ${issues}`);
  }
  const names = Object.keys(templates);
  if (names.length > PACK_LIMITS.maxTemplates)
    throw new PackError(
      PackErrorCode.TOO_LARGE,
      `${origin}: more than ${PACK_LIMITS.maxTemplates} templates`,
    );
  let total = manifestText.length;
  for (const n of names) {
    const size = templates[n].length;
    total += size;
    if (size > PACK_LIMITS.maxTemplateBytes)
      throw new PackError(
        PackErrorCode.TOO_LARGE,
        `${origin}: template ${n} is larger than ${PACK_LIMITS.maxTemplateBytes} bytes`,
      );
  }
  if (total > PACK_LIMITS.maxPackBytes)
    throw new PackError(
      PackErrorCode.TOO_LARGE,
      `${origin}: pack is larger than ${PACK_LIMITS.maxPackBytes} bytes`,
    );
  for (const f of parsed.data.files) {
    if (!Object.hasOwn(templates, f.template))
      throw new PackError(
        PackErrorCode.MISSING_TEMPLATE,
        `${origin}: files lists ${f.template}, which the pack does not contain`,
      );
  }
  return { manifest: parsed.data, templates, origin };
}

/** Reads a pack folder: `pack.yaml` plus every file under `templates/`. */
export async function loadPackDir(dir: string): Promise<Pack> {
  const manifestText = await readFile(join(dir, MANIFEST), 'utf8').catch(() => {
    throw new PackError(PackErrorCode.NOT_FOUND, `no ${MANIFEST} in ${dir}`);
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
        PackErrorCode.NOT_FOUND,
        `no pack named "${name}" (built-in: ${packs.map((p) => p.manifest.name).join(', ')}), and no pack folder at that path`,
      );
    });
  }
  const byLang = packs.find((p) => p.manifest.language === language);
  if (!byLang) throw new PackError(PackErrorCode.NOT_FOUND, `no built-in pack for ${language}`);
  return byLang;
}

/** Fills defaults and checks every given param against the allowed values. */
export function resolveParams(
  manifest: PackManifest,
  given: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) {
    const spec = manifest.params[k];
    if (!spec)
      throw new PackError(
        PackErrorCode.BAD_PARAM,
        `pack ${manifest.name} has no param "${k}" (it has: ${Object.keys(manifest.params).join(', ') || 'none'})`,
      );
    if (!spec.values.includes(v))
      throw new PackError(
        PackErrorCode.BAD_PARAM,
        `param ${k}=${v} is not allowed by pack ${manifest.name}; use one of: ${spec.values.join(', ')}`,
      );
  }
  for (const [k, spec] of Object.entries(manifest.params)) out[k] = given[k] ?? spec.default;
  return out;
}
