import { parse as parseYaml } from 'yaml';
import { PackError, PackErrorCode } from './pack-errors.js';
import { PackManifest } from './pack-manifest.js';

export { PackError, PackErrorCode, type PackErrorType } from './pack-errors.js';
export { PackManifest, type ParamSpec } from './pack-manifest.js';

/** A pattern pack in memory: its manifest and its templates by path. Packs are data, never code. */
export interface Pack {
  manifest: PackManifest;
  templates: Record<string, string>;
  /** Where it was loaded from ('builtin' or a folder), for messages only. */
  origin: string;
}

export const PACK_LIMITS = {
  maxTemplates: 200,
  maxTemplateBytes: 256 * 1024,
  maxPackBytes: 2 * 1024 * 1024,
  /**
   * pack.yaml (the built-in ones are under 4 KiB). It is parsed by the yaml library, whose alias
   * check costs time in proportion to the document for each alias, so the manifest stays small.
   */
  maxManifestBytes: 64 * 1024,
};

/**
 * The one rule for a file inside a pack (its template paths), wherever the pack comes from (a
 * folder, a peer): relative, `/`-separated, at most 8 segments of at most 100 characters each
 * starting with a letter, digit or `_` and made of letters, digits and `._-` (so no `..`, no `.`,
 * no hidden files, no empty segments, no backslashes, drive letters or spaces), 200 characters in all.
 */
const SAFE_PACK_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(?:\/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,7}$/;

export function isSafePackPath(path: string): boolean {
  return (
    typeof path === 'string' &&
    path.length <= 200 &&
    SAFE_PACK_PATH.test(path) &&
    !path.split('/').some((s) => s === '.' || s === '..')
  );
}

/** Builds a pack from its manifest text and template texts, enforcing the size limits and the path rule. */
export function createPack(manifestText: string, templates: Record<string, string>, origin: string): Pack {
  if (manifestText.length > PACK_LIMITS.maxManifestBytes)
    throw new PackError(
      { code: PackErrorCode.TOO_LARGE, origin, limit: PACK_LIMITS.maxManifestBytes },
      `${origin}: pack.yaml is larger than ${PACK_LIMITS.maxManifestBytes} bytes`,
    );
  let raw: unknown;
  try {
    raw = parseYaml(manifestText, { maxAliasCount: 50 });
  } catch (e) {
    throw new PackError(
      { code: PackErrorCode.INVALID_MANIFEST, origin },
      `${origin}: pack.yaml is not valid YAML: ${(e as Error).message}`,
    );
  }
  const parsed = PackManifest.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PackError(
      { code: PackErrorCode.INVALID_MANIFEST, origin },
      `${origin}: invalid pack.yaml: ${issues}`,
    );
  }
  const names = Object.keys(templates);
  if (names.length > PACK_LIMITS.maxTemplates)
    throw new PackError(
      { code: PackErrorCode.TOO_LARGE, origin, limit: PACK_LIMITS.maxTemplates },
      `${origin}: more than ${PACK_LIMITS.maxTemplates} templates`,
    );
  let total = manifestText.length;
  for (const n of names) {
    if (!isSafePackPath(n))
      throw new PackError(
        { code: PackErrorCode.UNSAFE_PATH, origin, template: n.slice(0, 100) },
        `${origin}: template path ${JSON.stringify(n.slice(0, 100))} is not a safe relative path (letters, digits and ._- in up to 8 /-separated parts, each starting with a letter, digit or _)`,
      );
    const size = templates[n].length;
    total += size;
    if (size > PACK_LIMITS.maxTemplateBytes)
      throw new PackError(
        { code: PackErrorCode.TOO_LARGE, origin, limit: PACK_LIMITS.maxTemplateBytes, template: n },
        `${origin}: template ${n} is larger than ${PACK_LIMITS.maxTemplateBytes} bytes`,
      );
  }
  if (total > PACK_LIMITS.maxPackBytes)
    throw new PackError(
      { code: PackErrorCode.TOO_LARGE, origin, limit: PACK_LIMITS.maxPackBytes },
      `${origin}: pack is larger than ${PACK_LIMITS.maxPackBytes} bytes`,
    );
  for (const f of parsed.data.files) {
    if (!Object.hasOwn(templates, f.template))
      throw new PackError(
        { code: PackErrorCode.MISSING_TEMPLATE, origin, template: f.template },
        `${origin}: files lists ${f.template}, which the pack does not contain`,
      );
  }
  return { manifest: parsed.data, templates, origin };
}
