import { type Dirent, promises as fs } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A folder that looks like a semantic-convention registry (the YAML Weaver reads). */
export interface FoundRegistry {
  dir: string;
  /** registry YAML files under it */
  files: number;
  /** it holds a registry_manifest.yaml */
  manifest: boolean;
}

export interface FindOptions {
  /** folders not to look into (e.g. the node's home) */
  skip?: string[];
  /** how deep below the root (default 8) */
  maxDepth?: number;
  /** entries looked at, at most (default 20,000): a huge repository is searched in part */
  maxEntries?: number;
}

const SKIP = new Set([
  'node_modules',
  '.git',
  'dist',
  'target',
  'build',
  'vendor',
  '.venv',
  'venv',
  '__pycache__',
]);
/** a registry file's first key: v1 `groups:`, v2 `file_format: definition/2` or one of its sections */
const MODEL = /^(groups|file_format|attributes|attribute_groups|metrics|events|spans|entities):/m;
const HEAD_BYTES = 4096;

async function looksLikeModel(path: string): Promise<boolean> {
  const handle = await fs.open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    return MODEL.test(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/**
 * The registries under `root`, most likely first: folders with a registry_manifest.yaml, and
 * otherwise the folders holding registry YAML, merged upwards where siblings both hold some (a
 * release's model/<area>/ folders are one registry, model/). Bounded in depth and entries; never
 * follows links; skips dependency and build folders.
 */
export async function findRegistries(root: string, o: FindOptions = {}): Promise<FoundRegistry[]> {
  const top = resolve(root);
  const skip = new Set((o.skip ?? []).map((s) => resolve(s)));
  const maxDepth = o.maxDepth ?? 8;
  let budget = o.maxEntries ?? 20_000;
  const manifests = new Set<string>();
  const modelFiles: string[] = [];
  const walk = async (dir: string, depth: number) => {
    if (depth > maxDepth || budget <= 0 || skip.has(dir)) return;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (--budget <= 0) return;
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP.has(e.name) && !e.name.startsWith('.')) await walk(path, depth + 1);
      } else if (e.isFile() && /\.ya?ml$/.test(e.name)) {
        if (e.name === 'registry_manifest.yaml') manifests.add(dir);
        else if (await looksLikeModel(path)) modelFiles.push(path);
      }
    }
  };
  await walk(top, 0);

  const inside = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${sep}`);
  // a file belongs to the nearest folder above it with a manifest, else to its own folder
  let roots = new Set<string>();
  for (const f of modelFiles) {
    let d = dirname(f);
    let owner: string | undefined;
    while (inside(d, top)) {
      if (manifests.has(d)) {
        owner = d;
        break;
      }
      if (d === top) break;
      d = dirname(d);
    }
    roots.add(owner ?? dirname(f));
  }
  // sibling folders of model files (no manifest) are one registry: their parent, up to the root
  for (let changed = true; changed; ) {
    changed = false;
    const byParent = new Map<string, string[]>();
    for (const r of roots)
      if (!manifests.has(r) && r !== top) byParent.set(dirname(r), [...(byParent.get(dirname(r)) ?? []), r]);
    for (const [parent, kids] of byParent)
      if (kids.length > 1 && parent !== top && inside(parent, top)) {
        for (const k of kids) roots.delete(k);
        roots.add(parent);
        changed = true;
      }
    // a root inside another root is part of it
    roots = new Set([...roots].filter((r) => ![...roots].some((o) => o !== r && inside(r, o))));
  }
  return [...roots]
    .map((dir) => ({
      dir,
      files: modelFiles.filter((f) => inside(f, dir)).length,
      manifest: manifests.has(dir),
    }))
    .sort(
      (a, b) =>
        Number(b.manifest) - Number(a.manifest) ||
        b.files - a.files ||
        relative(top, a.dir).localeCompare(relative(top, b.dir)),
    );
}
