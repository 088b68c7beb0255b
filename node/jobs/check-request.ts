import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { type Pack, PackError, PackErrorCode } from '../packs/index.js';
import { armsFor, namedPack } from './arms.js';
import { JobsError, JobsErrorCode } from './errors.js';
import type { GenerationRequest } from './types.js';

/**
 * What a request asks, checked before it is stored (so a bad request is a 400 / exit 2, not a
 * failed generation): the generators it names exist on this node, the named pack exists and is of
 * one of its languages, every param is declared by a pack the request uses with a value that pack
 * allows, and the output folder can be written.
 */
export interface OutputPolicy {
  /** the node's home: an output inside it must be inside `<home>/out` (never its db, token, keys) */
  home: string;
  /** folders an output may be inside (`out` is always one) */
  roots: string[];
  /**
   * the folder of the home outputs go to, the only part of the home an output may be in (default
   * `<home>/out`; a tenant's is `<home>/tenants/<id>/out`, so one tenant never writes into another's)
   */
  out?: string;
}

export async function checkRequest(
  req: GenerationRequest,
  llmModels: string[],
  outputs: OutputPolicy,
  /** the packs installed on the node (their names and content ids can be named as `pack`) */
  installed: Pack[] = [],
): Promise<void> {
  for (const model of req.models ?? []) {
    const available = ['builtin', ...llmModels];
    if (!available.includes(model))
      throw new JobsError(
        { code: JobsErrorCode.UNKNOWN_MODEL, model, available },
        `no generator ${model} on this node (it has: ${available.join(', ')}); configure it with WEAVERGEN_MODELS or leave it out`,
      );
  }
  const builtin = !req.models || req.models.includes('builtin');
  const perLanguage = await Promise.all(
    req.languages.map((l) => armsFor(l, req.pack, llmModels, builtin, installed)),
  );
  const packs = perLanguage.flatMap((a) => [...a.packs.values()]);
  if (req.pack) {
    const named = await namedPack(req.languages[0], req.pack, installed);
    if (named.manifest.kind === 'prompt' && llmModels.length === 0)
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: 'pack', pack: named.manifest.name },
        `pack ${named.manifest.name} is a prompt pack, and no model generator is configured to use it (WEAVERGEN_MODELS)`,
      );
    if (!(req.languages as string[]).includes(named.manifest.language))
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: 'pack', pack: named.manifest.name },
        `pack ${named.manifest.name} is for ${named.manifest.language}, and this request asks for ${req.languages.join(', ')}; add ${named.manifest.language} to the languages, or leave the pack out`,
      );
  }
  for (const [name, value] of Object.entries(req.params ?? {})) {
    const declaring = packs.filter((p) => Object.hasOwn(p.manifest.params, name));
    if (declaring.length === 0) {
      const known = [...new Set(packs.flatMap((p) => Object.keys(p.manifest.params)))].sort();
      throw new PackError(
        { code: PackErrorCode.BAD_PARAM, param: name, value },
        `no pack of this request has a param "${name}" (known: ${known.join(', ') || 'none'})`,
      );
    }
    for (const p of declaring) {
      const allowed = p.manifest.params[name].values;
      if (!allowed.includes(value))
        throw new PackError(
          { code: PackErrorCode.BAD_PARAM, param: name, value, pack: p.manifest.name },
          `param ${name}=${value} is not allowed by pack ${p.manifest.name}; use one of: ${allowed.join(', ')}`,
        );
    }
  }
  if (req.out) await checkOut(req.out, outputs);
}

/** Kernel file systems: writing there is never generated code's place (and procfs can hang mkdir). */
const PSEUDO = ['/proc', '/sys', '/dev'];

/**
 * The output root: inside an allowed root (links resolved, so a link cannot lead out), not in the
 * home's own files, not a pseudo file system, and its nearest existing folder a writable folder.
 */
export async function checkOut(out: string, outputs: OutputPolicy): Promise<void> {
  const root = resolve(out);
  const bad = (why: string) =>
    new JobsError({ code: JobsErrorCode.BAD_OUT, out }, `cannot write the output to ${out}: ${why}`);
  const real = await realOf(root);
  const home = await realOf(resolve(outputs.home));
  const shown = outputs.out ?? join(outputs.home, 'out');
  const homeOut = await realOf(resolve(shown));
  if (within(real, home) && !within(real, homeOut))
    throw bad(
      `it is inside the node's home ${outputs.home}, whose database, token, keys and other tenants' files are not output; use ${shown} or another folder`,
    );
  const roots = [homeOut, ...(await Promise.all(outputs.roots.map((r) => realOf(resolve(r)))))];
  if (!roots.some((r) => within(real, r)))
    throw bad(
      `it is outside the folders this node writes to (${[shown, ...outputs.roots].join(', ')}); add it to generation.outputRoots in the node's weavergen.config.json, or write below one of them`,
    );
  if (PSEUDO.some((p) => root === p || root.startsWith(`${p}${sep}`)))
    throw bad(`${root.split(sep)[1] ? `/${root.split(sep)[1]}` : root} is a kernel file system`);
  if (Buffer.byteLength(root) > 3072) throw bad('the path is too long');
  let dir = root;
  for (;;) {
    // ENOTDIR: a file on the way; going up finds it and says so
    const st = await stat(dir).catch((e: NodeJS.ErrnoException) =>
      e.code === 'ENOENT' || e.code === 'ENOTDIR' ? undefined : e,
    );
    if (st instanceof Error) throw bad(st.message);
    if (st) {
      if (!st.isDirectory()) throw bad(`${dir} is not a folder`);
      await access(dir, constants.W_OK).catch(() => {
        throw bad(`${dir} is not writable`);
      });
      return;
    }
    const up = dirname(dir);
    if (up === dir) throw bad('no folder on the way exists');
    dir = up;
  }
}

export const within = (path: string, root: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
};

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
export async function realOf(path: string): Promise<string> {
  const rest: string[] = [];
  let dir = path;
  for (;;) {
    const real = await realpath(dir).catch(() => undefined);
    if (real) return join(real, ...rest.reverse());
    const up = dirname(dir);
    if (up === dir) return path;
    rest.push(basename(dir));
    dir = up;
  }
}
