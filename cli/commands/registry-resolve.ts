import { writeFile } from 'node:fs/promises';
import { formatDiagnostic, loadRegistry } from '../../node/semconv/index.js';
import { EXIT, UsageError } from '../errors.js';

/** `weavergen registry resolve <dir> [-o file]`: the resolved model as JSON (stdout, or a file). */
export async function registryResolve(dir: string, opts: { output?: string }): Promise<number> {
  const r = await loadRegistry(dir, { check: false });
  for (const d of r.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const json = `${JSON.stringify(r.registry, null, 2)}\n`;
  if (opts.output) {
    await writeFile(opts.output, json).catch((e: Error) => {
      throw new UsageError(`cannot write ${opts.output}: ${e.message}`);
    });
    process.stderr.write(
      `wrote ${opts.output}: ${r.registry.attributes.length} attributes, ${r.registry.groups.length} groups\n`,
    );
  } else process.stdout.write(json);
  return r.errors > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
