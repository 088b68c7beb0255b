import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  createPack,
  PACK_LIMITS,
  type Pack,
  PackError,
  PackErrorCode,
  type PackManifest,
} from '../../marketplace/pack.js';
import { packageRoot } from '../paths.js';
import { checkEntry, fsReason, readBounded, realFolder } from '../semconv/safe-read.js';

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

/** Folder entries walked under templates/ (files and folders): a bound for a tree of empty folders. */
const MAX_TEMPLATE_ENTRIES = 4 * PACK_LIMITS.maxTemplates;

/**
 * Reads a pack folder: `pack.yaml` plus every file under `templates/`. A pack may come from a
 * stranger, so it is read under the registry's file rules (node/semconv/safe-read.ts): regular
 * files only (a FIFO, socket or device is refused without being opened), symbolic links followed
 * only to regular files inside the pack folder (never to a folder, never out of it: a template
 * linked to ~/.ssh/id_rsa would copy it into the generated output), every read stopped at
 * PACK_LIMITS (pack.yaml at maxManifestBytes, a template at maxTemplateBytes, the pack at
 * maxPackBytes, at most maxTemplates templates) rather than after reading a huge file.
 */
export async function loadPackDir(dir: string): Promise<Pack> {
  const root = resolve(dir);
  const manifestPath = join(root, 'pack.yaml');
  const notFound = () =>
    new PackError({ code: PackErrorCode.NOT_FOUND, pack: dir }, `no pack.yaml in ${dir}`);
  const rootReal = await realFolder(root).catch(() => {
    throw notFound();
  });
  if (!(await lstat(manifestPath).catch(() => undefined))) throw notFound();
  const refuse = (file: string, reason: string) =>
    new PackError(
      { code: PackErrorCode.INVALID_MANIFEST, origin: dir },
      `${dir}: ${file} ${reason}; a pack is read from regular files inside its folder (symbolic links only to regular files inside it)`,
    );
  const tooLarge = (limit: number, what: string, template?: string) =>
    new PackError(
      { code: PackErrorCode.TOO_LARGE, origin: dir, limit, ...(template ? { template } : {}) },
      `${dir}: ${what}`,
    );
  const read = async (path: string, max: number, name: string, template?: string): Promise<string> => {
    const checked = await checkEntry(path, rootReal);
    if (checked.kind === 'folder-link') throw refuse(name, 'is a symbolic link to a folder: not followed');
    if (checked.kind === 'refused') throw refuse(name, checked.reason);
    if (checked.size > max) throw tooLarge(max, `${name} is larger than ${max} bytes`, template);
    const r = await readBounded(checked.target, max);
    if (!r.ok)
      throw r.tooLarge
        ? tooLarge(max, `${name} is larger than ${max} bytes`, template)
        : refuse(name, r.reason);
    return r.text;
  };
  const manifestText = await read(manifestPath, PACK_LIMITS.maxManifestBytes, 'pack.yaml');

  const templates: Record<string, string> = {};
  const base = join(root, 'templates');
  let entries = 0;
  let count = 0;
  let total = manifestText.length;
  const walk = async (d: string): Promise<void> => {
    let list: Dirent[];
    try {
      list = await readdir(d, { withFileTypes: true });
    } catch (e) {
      // no templates/ folder: a pack without templates (createPack says which are missing)
      if (d === base && (e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw refuse(relative(root, d) || '.', `(a folder) ${fsReason(e)}`);
    }
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of list) {
      if (++entries > MAX_TEMPLATE_ENTRIES)
        throw tooLarge(
          PACK_LIMITS.maxTemplates,
          `more than ${MAX_TEMPLATE_ENTRIES} files and folders under templates/`,
        );
      const full = join(d, e.name);
      if (e.isDirectory()) {
        await walk(full);
        continue;
      }
      const name = relative(base, full);
      if (++count > PACK_LIMITS.maxTemplates)
        throw tooLarge(PACK_LIMITS.maxTemplates, `more than ${PACK_LIMITS.maxTemplates} templates`);
      const text = await read(full, PACK_LIMITS.maxTemplateBytes, `template ${name}`, name);
      total += text.length;
      if (total > PACK_LIMITS.maxPackBytes)
        throw tooLarge(PACK_LIMITS.maxPackBytes, `pack is larger than ${PACK_LIMITS.maxPackBytes} bytes`);
      templates[name] = text;
    }
  };
  // templates/ itself must be a real folder: a link to a folder is not followed
  const baseStat = await lstat(base).catch(() => undefined);
  if (baseStat?.isSymbolicLink()) throw refuse('templates', 'is a symbolic link: not followed');
  if (baseStat && !baseStat.isDirectory()) throw refuse('templates', 'is not a folder');
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
    // a folder path given as --pack; a folder that is there but cannot be used says why
    return loadPackDir(name).catch((e) => {
      if (e instanceof PackError && e.code !== PackErrorCode.NOT_FOUND) throw e;
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
