import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { confineDependency, type DependencyScope } from './dependency-scope.js';
import { DiagnosticSink } from './diagnostics.js';
import { type ReadBudget, readBudget, readRegistryFolder } from './files.js';
import { readYaml } from './yaml-reader.js';

/**
 * The registry's content hash without parsing it: the same bytes, in the same order, as
 * loadRegistry hashes (per folder: manifest, then every definition file by path; then the local
 * dependencies depth-first). A cache can therefore answer before any YAML is parsed. The files are
 * read under loadRegistry's rules and limits (files.ts): what loadRegistry refuses, this refuses too.
 */
export async function registryContentHash(dir: string, scope?: DependencyScope): Promise<string> {
  const [own, ...deps] = await folderHashes(resolve(dir), [], readBudget(), scope);
  const total = createHash('sha256').update(own);
  for (const d of deps) total.update(d);
  return total.digest('hex');
}

/** This folder's own hash, then its dependencies' hashes, depth-first (loadRegistry's order). */
async function folderHashes(
  root: string,
  seen: string[],
  budget: ReadBudget,
  scope: DependencyScope | undefined,
): Promise<string[]> {
  const { definitions, manifest } = await readRegistryFolder(root, budget);
  const hash = createHash('sha256');
  const depDirs: string[] = [];
  if (manifest) {
    hash.update(`manifest\0${manifest.text}\0`);
    for (const d of dependencyPaths(manifest.text))
      depDirs.push(isAbsolute(d) ? d : resolve(dirname(manifest.path), d));
  }
  for (const { path, text } of definitions) hash.update(`${relative(root, path)}\0${text}\0`);
  const out = [hash.digest('hex')];
  for (const d of depDirs)
    if (!seen.includes(d) && d !== root) {
      // confined as loadRegistry confines it: nothing outside the scope is read, not even to hash it
      await confineDependency(scope, root, d);
      out.push(...(await folderHashes(d, [...seen, root], budget, scope)));
    }
  return out;
}

function dependencyPaths(manifestText: string): string[] {
  try {
    // the node's own YAML reader: linear in the file (the yaml library's alias check is quadratic:
    // a manifest of 8,000 anchors and aliases held the event loop 5.9 s) and capped in the nodes
    // aliases expand to; the manifest itself is capped in size (REGISTRY_LIMITS.manifestBytes)
    const m = readYaml(manifestText, 'manifest', new DiagnosticSink()) as {
      dependencies?: unknown;
    } | null;
    const deps = Array.isArray(m?.dependencies) ? (m.dependencies as { registry_path?: unknown }[]) : [];
    return deps
      .map((d) => d?.registry_path)
      .filter((p): p is string => typeof p === 'string' && !/^[a-z]+:\/\//i.test(p));
  } catch {
    return [];
  }
}
