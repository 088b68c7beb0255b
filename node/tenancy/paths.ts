import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { TenancyError, TenancyErrorCode } from './errors.js';
import type { Tenant } from './types.js';

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

/**
 * Throws PATH_OUTSIDE unless `dir` is inside one of the tenant's registry folders (real paths: a
 * link out of them does not count as inside). A path that does not exist is judged by its name, so
 * a path outside gets the same answer whether or not something is there: checked before anything
 * looks at the path, it tells a tenant nothing about the folders of others.
 */
export async function confineRegistry(
  tenant: Pick<Tenant, 'id' | 'registryRoots'>,
  dir: string,
): Promise<void> {
  const roots = tenant.registryRoots;
  const real = await realpath(resolve(dir)).catch(() => resolve(dir));
  for (const root of roots) if (inside(await realpath(root).catch(() => root), real)) return;
  throw new TenancyError(
    { code: TenancyErrorCode.PATH_OUTSIDE, tenant: tenant.id, path: dir, roots },
    `tenant ${tenant.id} may read registries only inside ${roots.join(', ')}; put the registry there (or ask the node's operator to add a folder: weavergen tenant create --registry-root)`,
  );
}

/**
 * Throws PATH_OUTSIDE when `dir` is inside the tenants' folders of the home (`<home>/tenants`): the
 * default tenant reads registries anywhere the node's user may, but not the other tenants' (the
 * operator reads those acting in that tenant).
 */
export async function refuseTenantsFolder(home: string, dir: string): Promise<void> {
  const folder = resolve(home, 'tenants');
  const real = await realpath(resolve(dir)).catch(() => resolve(dir));
  if (inside(await realpath(folder).catch(() => folder), real) || inside(folder, resolve(dir)))
    throw new TenancyError(
      { code: TenancyErrorCode.PATH_OUTSIDE, tenant: 'default', path: dir, roots: [] },
      `${dir} is inside the folders of the node's tenants (${folder}); name the tenant it belongs to (X-WeaverGen-Tenant, $WEAVERGEN_TENANT) and use its token`,
    );
}
