import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type RefusedFile, SemconvError, SemconvErrorCode } from './errors.js';
import { checkEntry, fsReason, readBounded, realFolder, sizeText } from './safe-read.js';

export const MANIFEST_NAMES = [
  'registry_manifest.yaml',
  'manifest.yaml',
  'registry_manifest.yml',
  'manifest.yml',
];

/**
 * What a registry may make the node read. Files are read under the rules of safe-read.ts: regular
 * files only (never a FIFO, socket or device), symbolic links followed only to regular files inside
 * the registry folder (never to a folder, never out of it), every read bounded.
 */
export const REGISTRY_LIMITS = {
  /** one YAML file; the largest file of the OpenTelemetry registry (v1.44.0) is 85 KiB */
  fileBytes: 4 * 1024 * 1024,
  /**
   * a registry with all its dependency registries; the whole OpenTelemetry registry is 2.3 MiB.
   * YAML is parsed on the event loop: a registry at this limit (dense attribute groups) took 27 s
   * and 1.4 GB (peak RSS) to load on a 2-core machine, so the limit is not higher.
   */
  registryBytes: 16 * 1024 * 1024,
  /** folder entries walked (files and folders, YAML or not), the registry and its dependencies together */
  entries: 100_000,
  /**
   * the manifest (registry_manifest.yaml): it names a few dependencies, and is read to hash the
   * registry before the load (content-hash.ts); OpenTelemetry's is under 1 KiB (pack.yaml's cap too)
   */
  manifestBytes: 64 * 1024,
};

/** Kernel file systems: a registry is never there (and reading there can block or never end). */
const PSEUDO = ['/proc', '/sys', '/dev'];

/** How much one load may still read: shared by a registry and its dependency registries. */
export interface ReadBudget {
  bytes: number;
  entries: number;
}

export function readBudget(): ReadBudget {
  return { bytes: REGISTRY_LIMITS.registryBytes, entries: REGISTRY_LIMITS.entries };
}

/** One file of a registry folder as listed: its path in the folder (for names and hashes), what to open, its size. */
interface Listed {
  path: string;
  target: string;
  size: number;
}

/** A registry file read: the path it was listed under (links keep their own name) and its text. */
export interface RegistryText {
  path: string;
  text: string;
}

export interface RegistryFolderTexts {
  definitions: RegistryText[];
  manifest?: RegistryText;
}

function limitError(root: string, limit: 'registryBytes' | 'entries', what: string): SemconvError {
  const max = REGISTRY_LIMITS[limit];
  return new SemconvError(
    { code: SemconvErrorCode.LIMIT_EXCEEDED, path: root, limit, max },
    `registry ${root}: ${what} (the limit for a registry with its dependencies is ${limit === 'entries' ? `${max} files and folders` : sizeText(max)})`,
  );
}

function refusedError(root: string, files: RefusedFile[]): SemconvError {
  const shown = files
    .slice(0, 10)
    .map((f) => `${f.file} ${f.reason}`)
    .join('; ');
  const more = files.length > 10 ? `; and ${files.length - 10} more` : '';
  return new SemconvError(
    { code: SemconvErrorCode.FILES_REFUSED, path: root, files },
    `registry ${root}: ${files.length === 1 ? 'a file is' : `${files.length} files are`} not read: ${shown}${more}. ` +
      'A registry is read from regular files of at most ' +
      `${sizeText(REGISTRY_LIMITS.fileBytes)} each; symbolic links are followed only to regular files inside the registry folder`,
  );
}

/** The registry folder itself: a folder (links to it are fine: it is what the user named), not on a kernel file system. */
async function checkRoot(root: string): Promise<string> {
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
  const real = await realFolder(root).catch((e) => {
    throw new SemconvError(
      { code: SemconvErrorCode.FILES_REFUSED, path: root, files: [{ file: '.', reason: fsReason(e) }] },
      `registry ${root} ${fsReason(e)}`,
    );
  });
  if (PSEUDO.some((p) => real === p || real.startsWith(`${p}${sep}`)))
    throw new SemconvError(
      {
        code: SemconvErrorCode.FILES_REFUSED,
        path: root,
        files: [{ file: '.', reason: 'is on a kernel file system (/proc, /sys, /dev)' }],
      },
      `registry ${root} is on a kernel file system (/proc, /sys, /dev): give a folder of YAML files`,
    );
  return real;
}

/**
 * Every *.yaml / *.yml under `root` (sorted, so resolution and errors are deterministic), checked
 * under the rules above without opening any. Hidden folders and node_modules are skipped. Files that
 * may not be read come back in `refused`; walking past the entries budget or listing more bytes
 * than the byte budget throws LIMIT_EXCEEDED before anything is read.
 */
async function listFolder(
  root: string,
  budget: ReadBudget,
): Promise<{ definitions: Listed[]; manifest?: Listed; refused: RefusedFile[] }> {
  const rootReal = await checkRoot(root);
  const definitions: Listed[] = [];
  const refused: RefusedFile[] = [];
  let manifest: Listed | undefined;
  let listedBytes = 0;
  const rel = (p: string) => relative(root, p) || '.';
  const walk = async (dir: string): Promise<void> => {
    // streamed, so that a folder of a million entries stops at the budget rather than in memory
    const entries: Dirent[] = [];
    try {
      for await (const e of await opendir(dir)) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        if (--budget.entries < 0) throw limitError(root, 'entries', 'too many files and folders');
        entries.push(e);
      }
    } catch (e) {
      if (e instanceof SemconvError) throw e;
      refused.push({ file: rel(dir), reason: `(a folder) ${fsReason(e)}` });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const full = join(dir, e.name);
      // a real folder (the listing does not follow links): walk it
      if (e.isDirectory()) {
        await walk(full);
        continue;
      }
      const yaml = /\.ya?ml$/i.test(e.name);
      // neither YAML nor a link (which might point to a folder): not ours to look at
      if (!yaml && !e.isSymbolicLink()) continue;
      const checked = await checkEntry(full, rootReal);
      if (checked.kind === 'folder-link') {
        refused.push({
          file: rel(full),
          reason:
            'is a symbolic link to a folder: links to folders are not followed (copy the folder in, or name it as a dependency registry in the manifest)',
        });
        continue;
      }
      if (!yaml) continue;
      if (checked.kind === 'refused') {
        refused.push({ file: rel(full), reason: checked.reason });
        continue;
      }
      if (checked.size > REGISTRY_LIMITS.fileBytes) {
        refused.push({
          file: rel(full),
          reason: `is ${sizeText(checked.size)}, larger than ${sizeText(REGISTRY_LIMITS.fileBytes)}, the limit for one file`,
        });
        continue;
      }
      const isManifest = dir === root && MANIFEST_NAMES.includes(e.name);
      if (isManifest && checked.size > REGISTRY_LIMITS.manifestBytes) {
        refused.push({
          file: rel(full),
          reason: `is ${sizeText(checked.size)}, larger than ${sizeText(REGISTRY_LIMITS.manifestBytes)}, the limit for a registry manifest`,
        });
        continue;
      }
      listedBytes += checked.size;
      if (listedBytes > budget.bytes)
        throw limitError(root, 'registryBytes', 'the YAML files are too large together');
      const item = { path: full, target: checked.target, size: checked.size };
      if (isManifest) manifest ??= item;
      else definitions.push(item);
    }
  };
  await walk(root);
  return { definitions, manifest, refused };
}

/** Reads listed files a few at a time (a registry of thousands of files does not open thousands at once). */
async function readAll(
  items: Listed[],
  onRead: (i: number, r: Awaited<ReturnType<typeof readBounded>>) => void,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      onRead(i, await readBounded(items[i].target, REGISTRY_LIMITS.fileBytes));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, items.length) }, worker));
}

/**
 * Lists and reads a registry folder (not its dependencies) under the rules and limits above,
 * charging `budget`. Every file that may not be read is reported at once, as one FILES_REFUSED
 * error naming each file and why.
 */
export async function readRegistryFolder(root: string, budget: ReadBudget): Promise<RegistryFolderTexts> {
  const listed = await listFolder(root, budget);
  const refused = listed.refused;
  const items = listed.manifest ? [listed.manifest, ...listed.definitions] : listed.definitions;
  const texts: string[] = new Array(items.length);
  // read even after a refusal, so that every file that cannot be read is named at once
  await readAll(items, (i, r) => {
    if (r.ok) {
      texts[i] = r.text;
      budget.bytes -= r.bytes;
    } else refused.push({ file: relative(root, items[i].path), reason: r.reason });
  });
  if (refused.length > 0) throw refusedError(root, refused);
  // files that grew between the listing and the read
  if (budget.bytes < 0) throw limitError(root, 'registryBytes', 'the YAML files are too large together');
  const text = (i: number): RegistryText => ({ path: items[i].path, text: texts[i] });
  const offset = listed.manifest ? 1 : 0;
  return {
    manifest: listed.manifest ? text(0) : undefined,
    definitions: listed.definitions.map((_, i) => text(i + offset)),
  };
}

/**
 * The paths of every *.yaml / *.yml under `root`, checked under the rules above (nothing is read;
 * files that may not be read throw FILES_REFUSED). For tools that only need the names.
 */
export async function listRegistryFiles(root: string): Promise<{ definitions: string[]; manifest?: string }> {
  const listed = await listFolder(root, readBudget());
  if (listed.refused.length > 0) throw refusedError(root, listed.refused);
  return { definitions: listed.definitions.map((d) => d.path), manifest: listed.manifest?.path };
}

/** Paths in diagnostics are relative to the registry root's parent folder when possible: short and clickable. */
export function displayPath(root: string, file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') && rel.split('/').length > 6 ? relative(root, file) : rel || file;
}
