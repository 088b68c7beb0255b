import { formatDiagnostic, loadRegistry } from '../../node/semconv/index.js';
import { EXIT } from '../errors.js';

export interface CheckOptions {
  format: 'text' | 'json';
}

/** `weavergen registry check <dir>`: every error with file:line:column and a fix; exit 1 when there are errors. */
export async function registryCheck(dir: string, opts: CheckOptions): Promise<number> {
  const r = await loadRegistry(dir);
  if (opts.format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ registry: r.registry.root, errors: r.errors, warnings: r.warnings, diagnostics: r.diagnostics }, null, 2)}\n`,
    );
  } else {
    for (const d of r.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
    const groups = r.registry.groups.length;
    const summary = `${r.registry.files.length} files, ${r.registry.attributes.length} attributes, ${groups} groups: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}`;
    process.stdout.write(`${r.errors === 0 ? 'ok' : 'failed'}: ${summary}\n`);
  }
  return r.errors > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
