import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { PackError, PackErrorCode } from './index.js';

/**
 * A pack folder named through the API (publish): read on the node's machine and then sent to the
 * network, so it is confined like a generation's `out` (jobs/check-request.ts): an absolute path
 * whose real location (links resolved) is inside one of the folders this node works in (its working
 * folder and generation.outputRoots), never inside the node's home (its database, token and peer
 * key) and never a kernel file system. Returns the real path of the folder.
 */
export async function confinePackFolder(
  path: string,
  policy: {
    home: string;
    roots: string[];
    /**
     * a tenant's own folder inside the home (<home>/tenants/<id>): packs may be published from it,
     * and a path outside the roots is refused by its name before anything looks at it, so the
     * answer tells the tenant nothing about what exists elsewhere
     */
    own?: string;
  },
): Promise<string> {
  const bad = (why: string) =>
    new PackError(
      { code: PackErrorCode.BAD_PARAM, param: 'path', value: path.slice(0, 200) },
      `cannot publish the folder ${path.slice(0, 300)}: ${why}`,
    );
  if (!isAbsolute(path) || path.includes('\0')) throw bad('give an absolute path of a pack folder');
  if (['/proc', '/sys', '/dev'].some((p) => path === p || path.startsWith(`${p}${sep}`)))
    throw bad('it is a kernel file system');
  const outside = () =>
    bad(
      `it is outside the folders this node works in (${policy.roots.join(', ')}); add it to generation.outputRoots in the node's weavergen.config.json, or publish from below one of them`,
    );
  if (policy.own !== undefined && !policy.roots.some((r) => within(path, r))) throw outside();
  const real = await realpath(path).catch((e: NodeJS.ErrnoException) => {
    throw new PackError(
      { code: PackErrorCode.NOT_FOUND, pack: path.slice(0, 200) },
      `no pack folder at ${path.slice(0, 300)} (${e.code ?? e.message})`,
    );
  });
  const home = await realpath(policy.home).catch(() => policy.home);
  const own = policy.own === undefined ? undefined : await realpath(policy.own).catch(() => policy.own!);
  if (within(real, home) && !(own !== undefined && within(real, own)))
    throw bad(`it is inside the node's home ${policy.home}, whose files are not packs`);
  const roots = await Promise.all(policy.roots.map((r) => realpath(r).catch(() => r)));
  if (!roots.some((r) => within(real, r))) throw outside();
  const st = await stat(real);
  if (!st.isDirectory()) throw bad('it is a file, not a pack folder');
  if (!(await stat(join(real, 'pack.yaml')).catch(() => undefined)))
    throw new PackError(
      { code: PackErrorCode.NOT_FOUND, pack: path.slice(0, 200) },
      `no pack.yaml in ${path.slice(0, 300)}`,
    );
  return real;
}

const within = (path: string, root: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};
