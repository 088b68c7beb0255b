import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SemconvError, SemconvErrorCode } from './errors.js';

export const MANIFEST_NAMES = [
  'registry_manifest.yaml',
  'manifest.yaml',
  'registry_manifest.yml',
  'manifest.yml',
];

/** Every *.yaml / *.yml under `root` (sorted, so resolution and errors are deterministic). Hidden folders are skipped. */
export async function listRegistryFiles(root: string): Promise<{ definitions: string[]; manifest?: string }> {
  const st = await stat(root).catch(() => undefined);
  if (!st)
    throw new SemconvError(
      { code: SemconvErrorCode.NOT_FOUND, path: root },
      `registry not found: ${root} (give the folder that holds the semantic-convention YAML files)`,
    );
  if (!st.isDirectory())
    throw new SemconvError(
      { code: SemconvErrorCode.NOT_FOUND, path: root },
      `registry must be a folder: ${root}`,
    );
  const definitions: string[] = [];
  let manifest: string | undefined;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (/\.ya?ml$/i.test(e.name)) {
        if (dir === root && MANIFEST_NAMES.includes(e.name)) manifest ??= full;
        else definitions.push(full);
      }
    }
  };
  await walk(root);
  return { definitions, manifest };
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** Paths in diagnostics are relative to the registry root's parent folder when possible: short and clickable. */
export function displayPath(root: string, file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') && rel.split('/').length > 6 ? relative(root, file) : rel || file;
}
