import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { formatDiagnostic } from '../../node/semconv/index.js';
import { availableTargets, createWeaverForge } from '../../node/weaver/index.js';
import { EXIT, UsageError } from '../errors.js';
import { shown } from '../render/paths.js';
import { loadRegistrySpec } from './registry-source.js';

export interface RegistryGenerateOptions {
  registry?: string;
  templates: string;
  param: string[];
  params?: string;
  allowErrors?: boolean;
  json?: boolean;
  timeout?: string;
}

/**
 * `weavergen registry generate [-r <registry>] [-t <templates>] [--param k=v ...] [--params file]
 * <target> [<output>]`: Weaver's own command. Renders `<templates>/registry/<target>/` (weaver.yaml,
 * Jinja templates, jq filters) against the resolved registry into `<output>` (default `output`).
 */
export async function registryGenerate(
  target: string,
  output: string | undefined,
  opts: RegistryGenerateOptions,
): Promise<number> {
  if (!opts.registry)
    throw new UsageError(
      'which registry? give it with -r <folder | git url[@ref][sub_dir] | .tar.gz/.zip archive> (e.g. -r ./model of a semantic-conventions checkout)',
    );
  const params: Record<string, unknown> = {};
  if (opts.params) {
    const text = await readFile(opts.params, 'utf8').catch((e: Error) => {
      throw new UsageError(`cannot read --params ${opts.params}: ${e.message}`);
    });
    const doc = parseYaml(text, `--params ${opts.params}`);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      throw new UsageError(`--params ${opts.params} must be a YAML map of parameter names to values`);
    // Weaver's params file is `params: {...}`; a bare map is taken as the params themselves
    const map = (doc as Record<string, unknown>).params ?? doc;
    Object.assign(params, map);
  }
  for (const p of opts.param) {
    const at = p.indexOf('=');
    if (at <= 0) throw new UsageError(`--param ${JSON.stringify(p)}: write name=value`);
    // values are YAML, as Weaver reads them: true is a boolean, [a, b] a list
    params[p.slice(0, at)] = parseYaml(p.slice(at + 1), `--param ${p}`) ?? '';
  }
  const templatesRoot = resolve(opts.templates);
  const targets = await availableTargets(templatesRoot);
  // `./` names the registry folder itself (the Python template set keeps its templates there)
  const here = /^\.\/*$/.test(target) && (await hasWeaverYaml(join(templatesRoot, 'registry')));
  if (!here && !targets.includes(target.replace(/\/+$/, '')))
    throw new UsageError(
      targets.length === 0
        ? `no template set in ${templatesRoot}/registry: give the templates root with -t <folder> (it holds registry/<target>/)`
        : `no target ${JSON.stringify(target)} in ${templatesRoot}/registry; targets there: ${targets.join(', ')}`,
    );
  const loaded = await loadRegistrySpec(opts.registry);
  if (loaded.errors > 0) {
    for (const d of loaded.diagnostics.filter((x) => x.severity === 'error'))
      process.stderr.write(`${formatDiagnostic(d)}\n`);
    if (!opts.allowErrors) {
      process.stderr.write(
        `weavergen: the registry has ${loaded.errors} error${loaded.errors === 1 ? '' : 's'} (above); fix them or pass --allow-errors\n`,
      );
      return EXIT.PROBLEMS;
    }
  }
  const timeMs = opts.timeout === undefined ? undefined : Number(opts.timeout) * 1000;
  if (timeMs !== undefined && !(timeMs > 0))
    throw new UsageError('--timeout takes seconds, a positive number');
  const forge = createWeaverForge(timeMs === undefined ? {} : { timeMs });
  const started = performance.now();
  const result = await forge.generate({ registry: loaded.registry, templatesRoot, target, params });
  const out = resolve(output ?? 'output');
  let bytes = 0;
  for (const f of result.files) {
    const path = join(out, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content);
    bytes += Buffer.byteLength(f.content);
  }
  const ms = Math.round(performance.now() - started);
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ target, templates: templatesRoot, output: out, configFiles: result.configFiles, applied: result.applied, files: result.files.map((f) => ({ path: f.path, template: f.template, bytes: Buffer.byteLength(f.content) })), durationMs: ms }, null, 2)}\n`,
    );
  else {
    for (const f of result.files) process.stdout.write(`${shown(join(out, f.path))}\n`);
    process.stderr.write(
      `generated ${result.files.length} file${result.files.length === 1 ? '' : 's'} (${bytes} bytes) for target ${target} in ${ms} ms\n`,
    );
  }
  return EXIT.OK;
}

const hasWeaverYaml = (dir: string) =>
  stat(join(dir, 'weaver.yaml')).then(
    (s) => s.isFile(),
    () => false,
  );

function parseYaml(text: string, where: string): unknown {
  try {
    return parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new UsageError(`${where}: not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}
