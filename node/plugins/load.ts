import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VERSION } from '../version.js';
import { checkApiVersion, PLUGIN_API_VERSION } from './api-version.js';
import { PluginError, PluginErrorCode } from './errors.js';
import { checkPlugin } from './schema.js';
import type { Plugin, PluginContext } from './types.js';

/** A plugin as loaded: what the module handed over (checked), and where it came from. */
export interface LoadedPlugin {
  /** the name as `plugins` gives it */
  entry: string;
  plugin: Plugin;
  /** the file imported */
  file: string;
  /** its package's version, when it has a package.json */
  version?: string;
}

export interface LoadOptions {
  /** the node's working directory: the first place names and relative paths are looked up */
  cwd: string;
  /** the node's home folder: the second place */
  home?: string;
  log?: (message: string) => void;
}

const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const isPath = (entry: string) => entry.startsWith('.') || isAbsolute(entry);

const fix = (entry: string) =>
  `install it (npm install ${isPath(entry) ? 'the package there' : entry} in the project or the home), or fix or remove "${entry}" in "plugins" of weavergen.config.json`;

/**
 * Loads one plugin: a package name is looked up in the `node_modules` folders from the working
 * directory up, then from the home up (its package.json `exports` "." with the import or default
 * condition, else `main`, else index.js); a path (`./x`, `/x`) is taken relative to the working
 * directory, then the home, and may be a file or a package folder. The module is imported; its
 * default export is the plugin, or a function of a PluginContext that returns it (or a promise of
 * it). Its API version is checked before its shape.
 */
export async function loadPlugin(entry: string, options: LoadOptions): Promise<LoadedPlugin> {
  const bases = [...new Set([options.cwd, ...(options.home ? [options.home] : [])].map((b) => resolve(b)))];
  const found = await locate(entry, bases);
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(found.file).href);
  } catch (e) {
    throw loadFailed(entry, `importing ${found.file} threw: ${(e as Error)?.message ?? String(e)}`, e);
  }
  let value = mod.default;
  if (value === undefined)
    throw new PluginError(
      { code: PluginErrorCode.INVALID, plugin: entry, issues: ['(export): no default export'] },
      `plugin ${entry} has no default export (the plugin, or a function that returns it): fix the plugin, or remove it from "plugins" in weavergen.config.json`,
    );
  if (typeof value === 'function') {
    const context: PluginContext = {
      apiVersion: PLUGIN_API_VERSION,
      weavergenVersion: VERSION,
      cwd: options.cwd,
      home: options.home,
      log: (m) => options.log?.(`plugin ${entry}: ${m}`),
    };
    try {
      value = await value(context);
    } catch (e) {
      throw loadFailed(entry, `its factory threw: ${(e as Error)?.message ?? String(e)}`, e);
    }
  }
  const declared =
    value && typeof value === 'object' ? (value as { apiVersion?: unknown }).apiVersion : undefined;
  checkApiVersion(entry, declared);
  const plugin = checkPlugin(entry, value);
  return { entry, plugin, file: found.file, ...(found.version ? { version: found.version } : {}) };
}

const loadFailed = (entry: string, reason: string, cause: unknown) =>
  new PluginError(
    { code: PluginErrorCode.LOAD_FAILED, plugin: entry, reason },
    `plugin ${entry} failed to load: ${reason.slice(0, 500)}; fix or reinstall it, or remove it from "plugins" in weavergen.config.json`,
    { cause },
  );

async function locate(entry: string, bases: string[]): Promise<{ file: string; version?: string }> {
  const searched: string[] = [];
  if (isPath(entry)) {
    for (const base of isAbsolute(entry) ? [bases[0]] : bases) {
      const at = resolve(base, entry);
      searched.push(at);
      const st = await stat(at).catch(() => undefined);
      if (st?.isFile()) return { file: at, version: (await packageJson(dirname(at)))?.version };
      if (st?.isDirectory()) {
        const pkg = await packageJson(at);
        const file = await entryFile(at, pkg);
        if (file) return { file, version: pkg?.version };
        throw new PluginError(
          { code: PluginErrorCode.NOT_FOUND, plugin: entry, searched: [at] },
          `plugin ${entry}: ${at} has no package.json main or exports, and no index.js: fix the plugin, or fix or remove "${entry}" in "plugins" of weavergen.config.json`,
        );
      }
    }
  } else if (PACKAGE_NAME.test(entry)) {
    for (const base of bases)
      for (let dir = base; ; dir = dirname(dir)) {
        const at = join(dir, 'node_modules', entry);
        searched.push(join(dir, 'node_modules'));
        const pkg = await packageJson(at);
        if (pkg) {
          const file = await entryFile(at, pkg);
          if (file) return { file, version: pkg.version };
        }
        if (dirname(dir) === dir) break;
      }
  } else
    throw new PluginError(
      { code: PluginErrorCode.NOT_FOUND, plugin: entry, searched: [] },
      `plugin "${entry}" is neither an npm package name nor a path (./x, ../x, /x): fix it in "plugins" of weavergen.config.json`,
    );
  const where = [...new Set(searched)];
  throw new PluginError(
    { code: PluginErrorCode.NOT_FOUND, plugin: entry, searched: where },
    `plugin ${entry} not found (looked in ${where.slice(0, 3).join(', ')}${where.length > 3 ? ` and ${where.length - 3} more` : ''}): ${fix(entry)}`,
  );
}

interface PackageJson {
  version?: string;
  main?: string;
  exports?: unknown;
}

async function packageJson(dir: string): Promise<PackageJson | undefined> {
  const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

/** The file a package folder's import gives: exports "." (import, node, default), else main, else index.js. */
async function entryFile(dir: string, pkg: PackageJson | undefined): Promise<string | undefined> {
  const candidates = [exportTarget(pkg?.exports), pkg?.main, 'index.js', 'index.mjs'].filter(
    (c): c is string => typeof c === 'string',
  );
  for (const c of candidates) {
    const file = resolve(dir, c);
    // the entry stays inside its package folder
    if (!file.startsWith(`${resolve(dir)}/`)) continue;
    const st = await stat(file).catch(() => undefined);
    if (st?.isFile()) return file;
  }
  return undefined;
}

function exportTarget(exp: unknown): string | undefined {
  if (typeof exp === 'string') return exp;
  if (!exp || typeof exp !== 'object' || Array.isArray(exp)) return undefined;
  const o = exp as Record<string, unknown>;
  if ('.' in o) return exportTarget(o['.']);
  for (const condition of ['import', 'node', 'default']) {
    const t = exportTarget(o[condition]);
    if (t) return t;
  }
  return undefined;
}
