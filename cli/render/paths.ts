import { isAbsolute, relative } from 'node:path';

/** A path as a person at this prompt would type it: relative when it is below the working directory. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
