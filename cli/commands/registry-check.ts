import { type Diagnostic, formatDiagnostic } from '../../node/semconv/index.js';
import { EXIT } from '../errors.js';
import { loadRegistrySpec, registryArgument } from './registry-source.js';

export type DiagnosticFormat = 'ansi' | 'json' | 'gh_workflow_command';

export interface CheckOptions {
  /** text (default) or json: WeaverGen's summary forms */
  format: 'text' | 'json';
  /** Weaver's --diagnostic-format: ansi (coloured text), json (the diagnostics), gh_workflow_command (GitHub annotations) */
  diagnosticFormat?: DiagnosticFormat;
  registry?: string;
}

/** `weavergen registry check [<dir> | -r <dir>]`: every error with file:line:column and a fix; exit 1 when there are errors. */
export async function registryCheck(dir: string | undefined, opts: CheckOptions): Promise<number> {
  const r = await loadRegistrySpec(registryArgument(dir, opts.registry));
  const df = opts.diagnosticFormat;
  if (df === 'json' || (!df && opts.format === 'json')) {
    process.stdout.write(
      df === 'json'
        ? `${JSON.stringify(r.diagnostics, null, 2)}\n`
        : `${JSON.stringify({ registry: r.registry.root, errors: r.errors, warnings: r.warnings, diagnostics: r.diagnostics }, null, 2)}\n`,
    );
  } else if (df === 'gh_workflow_command') {
    for (const d of r.diagnostics) process.stdout.write(`${workflowCommand(d)}\n`);
  } else {
    const colour = df === 'ansi';
    for (const d of r.diagnostics) process.stdout.write(`${colour ? ansi(d) : formatDiagnostic(d)}\n`);
    const groups = r.registry.groups.length;
    const summary = `${r.registry.files.length} files, ${r.registry.attributes.length} attributes, ${groups} groups: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}`;
    process.stdout.write(`${r.errors === 0 ? 'ok' : 'failed'}: ${summary}\n`);
  }
  return r.errors > 0 ? EXIT.PROBLEMS : EXIT.OK;
}

/** a GitHub Actions annotation: `::error file=f,line=l,col=c,title=code::message (fix: hint)` */
export function workflowCommand(d: Diagnostic): string {
  // GitHub's escaping: % \r \n in the message; also , and : in properties
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const level = d.severity === 'error' ? 'error' : 'warning';
  const l = d.location;
  return `::${level} file=${prop(l.file)},line=${l.line},col=${l.column},title=${prop(d.code)}::${data(`${d.message} (fix: ${d.hint})`)}`;
}

function ansi(d: Diagnostic): string {
  const sev = d.severity === 'error' ? `\x1b[31m${d.severity}\x1b[0m` : `\x1b[33m${d.severity}\x1b[0m`;
  const l = d.location;
  return `\x1b[1m${l.file}:${l.line}:${l.column}\x1b[0m: ${sev} [${d.code}] ${d.message}\n  \x1b[32mfix:\x1b[0m ${d.hint}`;
}

export const DIAGNOSTIC_FORMATS: DiagnosticFormat[] = ['ansi', 'json', 'gh_workflow_command'];
