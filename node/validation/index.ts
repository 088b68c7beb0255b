import type { Language } from '../generation/languages.js';
import type { TemplateRegistry } from '../generation/template-model.js';
import { checksNote, type ExtraCheck, runChecks } from './checks.js';
import { type EmitScope, expectedSymbols, registryValues } from './expected.js';
import { languageSupport } from './languages/index.js';
import type { LanguageSupport } from './languages/types.js';
import { type Quality, scoreQuality } from './quality.js';
import { checkSymbols, type SymbolReport } from './symbol-check.js';
import type { ExtractedSymbol } from './symbols/types.js';
import {
  DEFAULT_TOOL_TIMEOUT_MS,
  SKIPPED_REASON,
  type SourceFile,
  type ToolchainOptions,
  type ToolchainResult,
} from './toolchain.js';

export type { CheckAnswer, CheckOutcome, ExtraCheck } from './checks.js';
export {
  CORRECTNESS_KINDS,
  DEFECT_CAP,
  DEFECT_KINDS,
  type Defect,
  type DefectKind,
  isCorrectnessDefect,
} from './defects.js';
export type { EmitScope, ExpectedSymbol, RegistryValue } from './expected.js';
export type { LanguageSupport, Naming } from './languages/types.js';
export { QUALITY_WEIGHTS, type Quality, type QualityComponents, UNCOMPILED_CAP } from './quality.js';
export type { CheckOptions, SymbolReport } from './symbol-check.js';
export type { ExtractedSymbol } from './symbols/types.js';
export { SKIPPED_REASON, type SourceFile, type ToolchainResult, type ToolDiagnostic } from './toolchain.js';

export interface Candidate {
  language: Language;
  files: SourceFile[];
  model: TemplateRegistry;
  scope?: EmitScope;
}

export interface ValidationResult {
  language: Language;
  toolchain: ToolchainResult;
  symbols: SymbolReport;
  quality: Quality;
  /** what the candidate emitted (for agreement between candidates) */
  extracted: ExtractedSymbol[];
  durationMs: number;
}

export interface ValidatorInit {
  /** Replace a language's support (tests use it to point at a missing executable). */
  languages?: Partial<Record<Language, LanguageSupport>>;
  timeoutMs?: number;
  /** checks run after a language's toolchain (plugins' linters, node/plugins); default none */
  checks?: readonly ExtraCheck[];
  /** each check's time limit; default the toolchain's */
  checkTimeoutMs?: number;
}

export interface Validator {
  validate(candidate: Candidate, options?: ToolchainOptions): Promise<ValidationResult>;
}

/** Real toolchain + symbol checks against the registry -> the evidence-only quality score. */
export function createValidator(init: ValidatorInit = {}): Validator {
  return {
    async validate(candidate, options = {}) {
      const started = performance.now();
      const support = init.languages?.[candidate.language] ?? languageSupport(candidate.language);
      const skipped: ToolchainResult = {
        language: candidate.language,
        tool: support.toolchain.tool,
        status: 'not_validated',
        reason: SKIPPED_REASON,
        errors: 0,
        warnings: 0,
        diagnostics: [],
        durationMs: 0,
      };
      const timeoutMs = options.timeoutMs ?? init.timeoutMs;
      const [toolchain, extracted] = await Promise.all([
        options.toolchain === false
          ? skipped
          : support.toolchain.validate(candidate.files, { timeoutMs, signal: options.signal }).then((base) =>
              init.checks?.length
                ? runChecks(init.checks, base, candidate.files, {
                    timeoutMs: init.checkTimeoutMs ?? timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
                    signal: options.signal,
                  })
                : base,
            ),
        Promise.resolve(support.symbols.extract(candidate.files)),
      ]);
      const symbols = checkSymbols(
        expectedSymbols(candidate.model, candidate.scope),
        extracted,
        support.naming,
        { known: registryValues(candidate.model), deprecationMarker: support.deprecationMarker },
      );
      return {
        language: candidate.language,
        toolchain,
        symbols,
        quality: scoreQuality(toolchain, symbols),
        extracted,
        durationMs: performance.now() - started,
      };
    },
  };
}

/** One line a person can read: "passed", "failed: 3 errors", "not validated: go not found". */
export function validationStatus(r: ToolchainResult): string {
  const note = checksNote(r.checks);
  const line = toolchainStatus(r);
  return note ? `${line}; ${note}` : line;
}

function toolchainStatus(r: ToolchainResult): string {
  if (r.status === 'passed') {
    const passed = r.warnings ? `passed (${r.warnings} warnings)` : 'passed';
    // what the pass covers or leaves out (configurations compiled, libraries stood in for)
    return r.reason ? `${passed}; ${r.reason}` : passed;
  }
  if (r.status === 'not_validated') return r.reason ?? 'not validated';
  return r.reason ? `failed: ${r.reason}` : `failed: ${r.errors} error${r.errors === 1 ? '' : 's'}`;
}
