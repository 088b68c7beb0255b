import { posix } from 'node:path';
import ts from 'typescript';
import {
  MAX_DIAGNOSTICS,
  type SourceFile,
  type Toolchain,
  type ToolchainResult,
  type ToolDiagnostic,
} from '../toolchain.js';

const ROOT = '/__weavergen__/';

/** Strict options, no emit; module resolution that accepts both extensionless and `.js` relative imports. */
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noUnusedLocals: true,
  skipLibCheck: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
};

/**
 * TypeScript through the compiler API, in process: an in-memory compiler host over the generated
 * files (the standard library comes from the installed `typescript` package). No temp dir needed.
 */
export function createTypescriptToolchain(): Toolchain {
  return {
    language: 'typescript',
    tool: 'tsc (compiler API)',
    async validate(files: SourceFile[]): Promise<ToolchainResult> {
      const started = performance.now();
      const sources = new Map(
        files
          .filter((f) => /\.(ts|mts|cts|tsx)$/.test(f.path))
          .map((f) => [posix.join(ROOT, f.path), f.content]),
      );
      const base = ts.createCompilerHost(OPTIONS, true);
      const host: ts.CompilerHost = {
        ...base,
        fileExists: (p) => sources.has(p) || (!p.startsWith(ROOT) && base.fileExists(p)),
        readFile: (p) => sources.get(p) ?? (p.startsWith(ROOT) ? undefined : base.readFile(p)),
        getSourceFile: (p, lang, onError) => {
          const text = sources.get(p);
          if (text !== undefined) return ts.createSourceFile(p, text, lang, true);
          return p.startsWith(ROOT) ? undefined : base.getSourceFile(p, lang, onError);
        },
        directoryExists: (d) =>
          d.startsWith(ROOT.slice(0, -1))
            ? [...sources.keys()].some((k) => k.startsWith(`${d}/`))
            : (base.directoryExists?.(d) ?? true),
        realpath: (p) => p,
        writeFile: () => {},
        getCurrentDirectory: () => ROOT,
      };
      const program = ts.createProgram([...sources.keys()], OPTIONS, host);
      const all = [
        ...program.getSyntacticDiagnostics(),
        ...program.getSemanticDiagnostics(),
        ...program.getOptionsDiagnostics(),
      ];
      const diagnostics: ToolDiagnostic[] = all.map((d) => {
        const pos =
          d.file && d.start !== undefined
            ? d.file.getLineAndCharacterOfPosition(d.start)
            : { line: 0, character: 0 };
        return {
          file: d.file ? posix.relative(ROOT, d.file.fileName) : '',
          line: pos.line + 1,
          column: pos.character + 1,
          severity: d.category === ts.DiagnosticCategory.Error ? 'error' : 'warning',
          message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`,
        };
      });
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      return {
        language: 'typescript',
        tool: 'tsc',
        status: sources.size === 0 ? 'failed' : errors > 0 ? 'failed' : 'passed',
        reason: sources.size === 0 ? 'no TypeScript files in the output' : undefined,
        errors: sources.size === 0 ? 1 : errors,
        warnings: diagnostics.length - errors,
        diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS),
        durationMs: performance.now() - started,
      };
    },
  };
}
