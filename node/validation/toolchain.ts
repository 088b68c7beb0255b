import type { Language } from '../generation/languages.js';

export interface SourceFile {
  path: string;
  content: string;
}

/** One compiler/linter finding, located in a generated file. */
export interface ToolDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
}

/**
 * What a real toolchain said about a candidate. `not_validated` is never a pass: it carries the
 * reason (e.g. "not validated: go not found") and the quality score treats it as no compile evidence.
 */
export interface ToolchainResult {
  language: Language;
  tool: string;
  status: 'passed' | 'failed' | 'not_validated';
  reason?: string;
  errors: number;
  warnings: number;
  diagnostics: ToolDiagnostic[];
  durationMs: number;
}

export interface ToolchainOptions {
  /** Hard limit per tool invocation; the child is killed past it and the result is `failed`. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Toolchain {
  language: Language;
  /** The executable(s) it needs, for "not found" messages. */
  tool: string;
  validate(files: SourceFile[], options?: ToolchainOptions): Promise<ToolchainResult>;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 120_000;
export const MAX_DIAGNOSTICS = 200;

/**
 * Builds a toolchain's result from its diagnostics: errors and warnings counted from them (a
 * failure without a located error still counts one), diagnostics capped, duration since `started`.
 */
export function resultBuilder(language: Language, tool: string, started: number) {
  return (
    status: ToolchainResult['status'],
    diagnostics: ToolDiagnostic[],
    reason?: string,
  ): ToolchainResult => {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    return {
      language,
      tool,
      status,
      reason,
      errors: status === 'failed' && errors === 0 ? 1 : errors,
      warnings: diagnostics.length - errors,
      diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS),
      durationMs: performance.now() - started,
    };
  };
}
