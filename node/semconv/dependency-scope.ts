import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { SemconvError, SemconvErrorCode } from './errors.js';

/**
 * Where the dependency registries a manifest names (`dependencies[].registry_path`) may be: a
 * tenant's registry is confined to its folders, and so must be what it depends on, or a manifest
 * could name another tenant's folder. Plain data: it travels to the load worker with the options.
 */
export interface DependencyScope {
  /** inside one of these folders (real paths: a link out of them is not inside), when given */
  roots?: string[];
  /** never inside one of these (by real path or by name) */
  refused?: string[];
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

const realOr = (path: string) => realpath(path).catch(() => path);

/**
 * Throws DEPENDENCY_OUTSIDE unless `dep` (a dependency of the registry `registry`) is within the
 * scope. Judged before anything reads it, and by name where it does not exist, so the answer is the
 * same whether or not something is there: it tells nothing about other tenants' folders.
 */
export async function confineDependency(
  scope: DependencyScope | undefined,
  registry: string,
  dep: string,
): Promise<void> {
  if (!scope) return;
  const named = resolve(dep);
  const real = await realOr(named);
  const outside = (why: string) =>
    new SemconvError(
      { code: SemconvErrorCode.DEPENDENCY_OUTSIDE, path: registry, dependency: dep },
      `registry ${registry}: its manifest names the dependency ${dep}, which ${why}; dependencies must be where the registry itself may be`,
    );
  for (const folder of scope.refused ?? [])
    if (inside(await realOr(folder), real) || inside(resolve(folder), named))
      throw outside(`is inside ${folder}, a folder this registry may not read`);
  if (!scope.roots) return;
  for (const root of scope.roots) if (inside(await realOr(root), real)) return;
  throw outside(`is outside the folders registries may be read from (${scope.roots.join(', ')})`);
}
