import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../../node/semconv/index.js';
import { toWeaverRegistry } from '../../node/weaver/index.js';
import { EXIT, UsageError } from '../errors.js';
import { loadRegistrySpec, registryArgument } from './registry-source.js';

export interface ResolveOptions {
  output?: string;
  /** json / yaml: Weaver's resolved-registry shape (what jq filters and templates see); model: WeaverGen's own */
  format?: 'json' | 'yaml' | 'model';
  registry?: string;
}

/** `weavergen registry resolve [<dir> | -r <dir>] [--format json|yaml|model] [-o file]` */
export async function registryResolve(dir: string | undefined, opts: ResolveOptions): Promise<number> {
  const path = registryArgument(dir, opts.registry);
  const r = await loadRegistrySpec(path, { check: false });
  for (const d of r.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const format = opts.format ?? 'json';
  const value = format === 'model' ? r.registry : toWeaverRegistry(r.registry);
  const text =
    format === 'yaml'
      ? stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })
      : `${JSON.stringify(value, null, 2)}\n`;
  if (opts.output) {
    await writeFile(opts.output, text).catch((e: Error) => {
      throw new UsageError(`cannot write ${opts.output}: ${e.message}`);
    });
    process.stderr.write(
      `wrote ${opts.output}: ${r.registry.attributes.length} attributes, ${r.registry.groups.length} groups\n`,
    );
  } else process.stdout.write(text);
  return r.errors > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
