import type { Language } from '../generation/languages.js';
import type { CheckOutcome } from './checks.js';

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
  /** the checks that ran after the toolchain (plugins' linters): their findings are in `warnings` */
  checks?: CheckOutcome[];
}

export interface ToolchainOptions {
  /** Hard limit per tool invocation; the child is killed past it and the result is `failed`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** false: the toolchain does not run (`--no-validate`); the result is `not_validated`, never a pass */
  toolchain?: boolean;
}

/** Why a candidate was not compiled when the request said not to. */
export const SKIPPED_REASON = 'not validated: skipped (--no-validate)';

export interface Toolchain {
  language: Language;
  /** The executable(s) it needs, for "not found" messages. */
  tool: string;
  validate(files: SourceFile[], options?: ToolchainOptions): Promise<ToolchainResult>;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 120_000;

/** Where each toolchain comes from on Debian and Ubuntu (what `.ci/run` installs). */
export const TOOL_PACKAGES: Record<Exclude<Language, 'typescript'>, string> = {
  go: 'golang-go',
  java: 'default-jdk-headless',
  rust: 'rustc',
  python: 'python3',
};

/** "not validated: go not found (Debian package: golang-go)": never a pass, and says how to fix it. */
export const notFoundReason = (language: keyof typeof TOOL_PACKAGES, command: string) =>
  `not validated: ${command} not found (Debian package: ${TOOL_PACKAGES[language]})`;
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
