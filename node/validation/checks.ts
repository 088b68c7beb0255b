import type { Language } from '../generation/languages.js';
import { MAX_DIAGNOSTICS, type SourceFile, type ToolchainResult, type ToolDiagnostic } from './toolchain.js';

/**
 * A check that runs after a language's toolchain, e.g. a linter a plugin brings (node/plugins). It
 * never decides whether a candidate compiled: its findings join the toolchain's as warnings (so they
 * lower the quality score's warnings component exactly as the compiler's warnings do), and a check
 * that could not run says so (`not validated: eslint not found`) without changing the status.
 */
export interface ExtraCheck {
  /** who runs it, for messages: `weavergen-plugin-eslint/eslint` */
  name: string;
  language: Language;
  /** the tool it drives (`eslint`) */
  tool: string;
  run(
    files: readonly SourceFile[],
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<CheckAnswer>;
}

/** What a check found: `not_validated` with its reason when its tool is missing. */
export interface CheckAnswer {
  status: 'passed' | 'not_validated';
  reason?: string;
  diagnostics: ToolDiagnostic[];
}

/** One check's outcome, kept on the toolchain result (`checks`). */
export interface CheckOutcome {
  name: string;
  tool: string;
  /** `error`: the check itself threw or ran past its time (no evidence either way) */
  status: 'passed' | 'not_validated' | 'error';
  reason?: string;
  /** its findings, all counted as warnings of the toolchain result */
  warnings: number;
  durationMs: number;
}

/**
 * Runs the checks of `base.language` over the files, each within `timeoutMs` (its signal aborted
 * past it), and adds what they found to the toolchain's result: their diagnostics as warnings
 * (message prefixed with the tool), counted in `warnings`. A check that throws or hangs is a
 * diagnostic `plugin <name> failed: ...` that is not counted (it says nothing about the candidate),
 * never an exception. Status and errors stay the toolchain's.
 */
export async function runChecks(
  checks: readonly ExtraCheck[],
  base: ToolchainResult,
  files: readonly SourceFile[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ToolchainResult> {
  const mine = checks.filter((c) => c.language === base.language);
  if (mine.length === 0) return base;
  const ran = await Promise.all(mine.map((c) => runOne(c, files, options)));
  const found = ran.flatMap((r) => r.found);
  return {
    ...base,
    warnings: base.warnings + found.length,
    diagnostics: [...base.diagnostics, ...found, ...ran.flatMap((r) => r.notes)].slice(0, MAX_DIAGNOSTICS),
    checks: [...(base.checks ?? []), ...ran.map((r) => r.outcome)],
  };
}

async function runOne(
  check: ExtraCheck,
  files: readonly SourceFile[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<{ outcome: CheckOutcome; found: ToolDiagnostic[]; notes: ToolDiagnostic[] }> {
  const started = performance.now();
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(`no answer within ${options.timeoutMs} ms`);
      controller.abort(e);
      reject(e);
    }, options.timeoutMs);
  });
  const outcome = (o: Omit<CheckOutcome, 'name' | 'tool' | 'durationMs'>): CheckOutcome => ({
    name: check.name,
    tool: check.tool,
    ...o,
    durationMs: performance.now() - started,
  });
  try {
    if (options.signal?.aborted) throw new Error('cancelled');
    // a copy each: a check cannot change what the next one, or the symbol checks, see
    const given = files.map((f) => ({ path: f.path, content: f.content }));
    const answer = await Promise.race([
      check.run(given, { timeoutMs: options.timeoutMs, signal: controller.signal }),
      timeout,
    ]);
    const found = answer.diagnostics.slice(0, MAX_DIAGNOSTICS).map((d) => ({
      ...d,
      severity: 'warning' as const,
      message: `${check.tool}: ${d.message}`,
    }));
    return {
      outcome: outcome({ status: answer.status, reason: answer.reason, warnings: found.length }),
      found,
      notes: [],
    };
  } catch (e) {
    const reason = `plugin ${check.name} failed: ${(e as Error)?.message ?? String(e)}`.slice(0, 2000);
    return {
      outcome: outcome({ status: 'error', reason, warnings: 0 }),
      found: [],
      notes: [{ file: '', line: 0, column: 0, severity: 'warning', message: reason }],
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** What a result's checks add to its one-line status: those that did not run, and why. */
export function checksNote(checks: readonly CheckOutcome[] | undefined): string {
  return (checks ?? [])
    .filter((c) => c.status !== 'passed')
    .map((c) => `${c.tool}: ${c.reason ?? c.status}`)
    .join('; ');
}
