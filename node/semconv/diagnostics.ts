import type { Location } from './location.js';
import { formatLocation } from './location.js';

export type Severity = 'error' | 'warning';

/** One finding of the registry check: where, what is wrong, how to fix it. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  hint: string;
  location: Location;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${formatLocation(d.location)}: ${d.severity} [${d.code}] ${d.message}\n  fix: ${d.hint}`;
}

/** Collects every finding; resolution goes on after an error so all errors are reported at once. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  error(code: string, location: Location, message: string, hint: string): void {
    this.items.push({ code, severity: 'error', message, hint, location });
  }

  warn(code: string, location: Location, message: string, hint: string): void {
    this.items.push({ code, severity: 'warning', message, hint, location });
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  sorted(): Diagnostic[] {
    return [...this.items].sort(
      (a, b) =>
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column,
    );
  }
}
