import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { listRegistryFiles, readText } from './files.js';

/**
 * The registry's content hash without parsing it: the same bytes, in the same order, as
 * loadRegistry hashes (per folder: manifest, then every definition file by path; then the local
 * dependencies depth-first). A cache can therefore answer before any YAML is parsed.
 */
export async function registryContentHash(dir: string): Promise<string> {
  const [own, ...deps] = await folderHashes(resolve(dir), []);
  const total = createHash('sha256').update(own);
  for (const d of deps) total.update(d);
  return total.digest('hex');
}

/** This folder's own hash, then its dependencies' hashes, depth-first (loadRegistry's order). */
async function folderHashes(root: string, seen: string[]): Promise<string[]> {
  const { definitions, manifest } = await listRegistryFiles(root);
  const hash = createHash('sha256');
  const depDirs: string[] = [];
  if (manifest) {
    const text = await readText(manifest);
    hash.update(`manifest\0${text}\0`);
    for (const d of dependencyPaths(text)) depDirs.push(isAbsolute(d) ? d : resolve(dirname(manifest), d));
  }
  const texts = await Promise.all(definitions.map((f) => readText(f)));
  definitions.forEach((path, i) => {
    hash.update(`${relative(root, path)}\0${texts[i]}\0`);
  });
  const out = [hash.digest('hex')];
  for (const d of depDirs)
    if (!seen.includes(d) && d !== root) out.push(...(await folderHashes(d, [...seen, root])));
  return out;
}

function dependencyPaths(manifestText: string): string[] {
  try {
    const m = parse(manifestText) as { dependencies?: { registry_path?: unknown }[] } | null;
    return (m?.dependencies ?? [])
      .map((d) => d?.registry_path)
      .filter((p): p is string => typeof p === 'string' && !/^[a-z]+:\/\//i.test(p));
  } catch {
    return [];
  }
}
