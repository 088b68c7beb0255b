import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve as resolvePath } from 'node:path';
import { checkRegistry } from './check.js';
import { confineDependency, type DependencyScope } from './dependency-scope.js';
import { type Diagnostic, DiagnosticSink } from './diagnostics.js';
import { SemconvError, SemconvErrorCode } from './errors.js';
import { displayPath, type ReadBudget, readBudget, readRegistryFolder } from './files.js';
import type { Manifest, ResolvedRegistry } from './model.js';
import { asRecord, fileLoc } from './normalize-util.js';
import { normalizeV1 } from './normalize-v1.js';
import { normalizeV2 } from './normalize-v2.js';
import { createParseCache, type ParsedFile } from './parse-cache.js';
import type { RawFile } from './raw.js';
import { resolveRegistry } from './resolve.js';
import { str } from './text.js';
import { readYaml } from './yaml-reader.js';

export { registryContentHash } from './content-hash.js';
export type { DependencyScope } from './dependency-scope.js';
export type { Diagnostic } from './diagnostics.js';
export { formatDiagnostic } from './diagnostics.js';
export { type Change, type ChangeKind, diffRegistries, formatDiff, type RegistryDiff } from './diff.js';
export { type RefusedFile, SemconvError, SemconvErrorCode, type SemconvErrorType } from './errors.js';
export { REGISTRY_LIMITS } from './files.js';
export {
  closeRegistryLoader,
  configureRegistryLoader,
  DEFAULT_REGISTRY_LOADER,
  loadRegistryOffThread,
  type OffThreadLoadOptions,
  type RegistryLoaderOptions,
  registryContentHashOffThread,
  registryLoaderOptions,
} from './load-off-thread.js';
export type * from './model.js';
export {
  openRegistrySource,
  parseSourceSpec,
  type RegistrySource,
  SOURCE_LIMITS,
  type SourceLimits,
} from './source.js';
export { formatStats, type RegistryStats, registryStats } from './stats.js';
export { YAML_LIMITS } from './yaml-reader.js';

export interface LoadOptions {
  /** Run the rule checks (naming, briefs, metrics...) besides resolution. Default true. */
  check?: boolean;
  /** where the manifest's dependency registries may be (a tenant's folders); anywhere when absent */
  dependencies?: DependencyScope;
}

export interface LoadResult {
  registry: ResolvedRegistry;
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  /** Bytes of YAML read, for benchmarks. */
  bytes: number;
  /** sha-256 over every file's path and bytes (dependencies included): the registry's content hash for caches */
  contentHash: string;
  /** definition files parsed by this load, and those reused unchanged from an earlier load in the same process */
  parsedFiles: { parsed: number; reused: number };
}

/** This process's parsed files (see parse-cache.ts); exported for tests and benchmarks. */
export const parseCache = createParseCache();

/**
 * Loads a registry folder (both YAML syntaxes, the manifest, local dependency registries),
 * resolves it and checks it. Never throws for content problems: they come back as diagnostics.
 * What cannot be read safely throws a SemconvError instead (the node answers 422): files that are
 * not regular files or links that leave the folder (FILES_REFUSED), a registry past its size
 * limits or a file whose YAML aliases expand past theirs (LIMIT_EXCEEDED); see files.ts and
 * yaml-reader.ts. Dependency registries are read under the same rules, within the same budget.
 */
export async function loadRegistry(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const root = resolvePath(dir);
  const sink = new DiagnosticSink();
  const budget = readBudget();
  const parsedFiles = { parsed: 0, reused: 0 };
  const local = await readFolder(root, sink, budget, parsedFiles);
  const deps: RawFile[] = [];
  const depHashes: string[] = [];
  await loadDependencies(
    local.manifest,
    local.manifestDir,
    sink,
    deps,
    depHashes,
    [root],
    budget,
    parsedFiles,
    options.dependencies,
  );
  const registry = resolveRegistry(root, local.manifest, local.files, deps, sink);
  if (options.check ?? true) checkRegistry(registry, local.files, sink);
  const diagnostics = sink.sorted();
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const hash = createHash('sha256').update(local.hash);
  for (const d of depHashes) hash.update(d);
  return {
    registry,
    diagnostics,
    errors,
    warnings: diagnostics.length - errors,
    bytes: local.bytes,
    contentHash: hash.digest('hex'),
    parsedFiles,
  };
}

interface Folder {
  files: RawFile[];
  manifest: Manifest;
  manifestDir: string;
  bytes: number;
  hash: string;
}

async function readFolder(
  root: string,
  sink: DiagnosticSink,
  budget: ReadBudget,
  counts: { parsed: number; reused: number },
): Promise<Folder> {
  const { definitions, manifest: manifestFile } = await readRegistryFolder(root, budget);
  if (definitions.length === 0)
    throw new SemconvError(
      { code: SemconvErrorCode.NO_FILES, path: root },
      `no *.yaml or *.yml files under ${root}`,
    );
  let bytes = 0;
  let manifest: Manifest = { dependencies: [] };
  const hash = createHash('sha256');
  if (manifestFile) {
    hash.update(`manifest\0${manifestFile.text}\0`);
    bytes += manifestFile.text.length;
    manifest = parseManifest(readYaml(manifestFile.text, displayPath(root, manifestFile.path), sink));
  }
  const files: RawFile[] = [];
  for (const { path, text } of definitions) {
    bytes += text.length;
    const file = displayPath(root, path);
    hash.update(`${relative(root, path)}\0${text}\0`);
    // a file unchanged since a load in this process is not parsed again (parse-cache.ts)
    // keyed by the name diagnostics show too: the same file read as part of another folder says another name
    const key = `${path}\0${file}`;
    let parsed = parseCache.get(key, text);
    if (parsed) counts.reused++;
    else {
      counts.parsed++;
      parsed = parseDefinition(text, file);
      parseCache.set(key, text, parsed);
    }
    sink.items.push(...parsed.diagnostics);
    if (parsed.raw) files.push(parsed.raw);
  }
  return {
    files,
    manifest,
    manifestDir: manifestFile ? dirname(manifestFile.path) : root,
    bytes,
    hash: hash.digest('hex'),
  };
}

/** One definition file, parsed and normalised (either syntax), with what it reported. */
function parseDefinition(text: string, file: string): ParsedFile {
  const sink = new DiagnosticSink();
  const doc = asRecord(readYaml(text, file, sink));
  let raw: RawFile | undefined;
  if (!doc) return { diagnostics: sink.items };
  if (doc.file_format === 'definition/2') raw = normalizeV2(doc, file, sink);
  else if (doc.file_format !== undefined)
    sink.error(
      'unknown-file-format',
      fileLoc(file),
      `unknown file_format ${JSON.stringify(doc.file_format)}`,
      'use `file_format: definition/2`, or no file_format with a `groups:` list (v1)',
    );
  else if ('groups' in doc || 'imports' in doc) raw = normalizeV1(doc, file, sink);
  // Other YAML files (CI configs, policies) are not definitions: skip them silently, like Weaver.
  return { raw, diagnostics: sink.items };
}

function parseManifest(v: unknown): Manifest {
  const r = asRecord(v) ?? {};
  const deps = Array.isArray(r.dependencies) ? r.dependencies : [];
  return {
    name: str(r.name) || undefined,
    description: str(r.description) || undefined,
    semconvVersion: str(r.semconv_version) || undefined,
    schemaUrl: str(r.schema_url) || str(r.schema_base_url) || undefined,
    stability: str(r.stability) || undefined,
    dependencies: deps
      .map((d) => asRecord(d))
      .filter((d): d is Record<string, unknown> => !!d && typeof d.registry_path === 'string')
      .map((d) => ({ name: str(d.name), registryPath: str(d.registry_path) })),
  };
}

/** Dependencies given as local folders are read recursively; remote ones must be fetched by the user first. */
async function loadDependencies(
  manifest: Manifest,
  baseDir: string,
  sink: DiagnosticSink,
  out: RawFile[],
  depHashes: string[],
  seen: string[],
  budget: ReadBudget,
  counts: { parsed: number; reused: number },
  scope: DependencyScope | undefined,
): Promise<void> {
  for (const dep of manifest.dependencies) {
    if (/^[a-z]+:\/\//i.test(dep.registryPath)) {
      sink.error(
        'unsupported-dependency',
        fileLoc('manifest'),
        `dependency \`${dep.name}\` is remote (${dep.registryPath})`,
        'download the registry and point `registry_path` at the local folder',
      );
      continue;
    }
    const dir = isAbsolute(dep.registryPath) ? dep.registryPath : resolvePath(baseDir, dep.registryPath);
    if (seen.includes(dir))
      throw new SemconvError(
        { code: SemconvErrorCode.DEPENDENCY_CYCLE, chain: [...seen, dir] },
        `dependency cycle: ${[...seen, dir].join(' -> ')}`,
      );
    await confineDependency(scope, seen.at(-1)!, dir);
    const folder = await readFolder(dir, sink, budget, counts);
    out.push(...folder.files);
    depHashes.push(folder.hash);
    await loadDependencies(
      folder.manifest,
      folder.manifestDir,
      sink,
      out,
      depHashes,
      [...seen, dir],
      budget,
      counts,
      scope,
    );
  }
}
