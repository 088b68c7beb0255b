import { isWeaverError, WeaverError } from '../errors/index.js';
import { exitCodeOf } from '../node/errors.js';

/** Exit codes: 0 ok, 1 the input has problems (check errors, failed compile), 2 the command could not run. */
export const EXIT = { OK: 0, PROBLEMS: 1, USAGE: 2 } as const;

/** A command used wrongly (a bad option value, an unknown language): exit 2. */
export class UsageError extends WeaverError<{ code: 'CLI_USAGE' }> {
  constructor(message: string) {
    super({ code: 'CLI_USAGE' }, message);
  }
}

/**
 * One line for a known error (its message says what to do), mapped to its exit code by the one
 * table in node/errors.ts; an unexpected one is a bug: one line, and its stack with --verbose.
 */
export function reportError(e: unknown, verbose = false): number {
  const write = (s: string) => process.stderr.write(`${s}\n`);
  if (isWeaverError(e)) {
    write(`weavergen: ${e.message}`);
    const issues = (e.type as { details?: { issues?: { field: string; message: string }[] } }).details
      ?.issues;
    if (issues && issues.length > 1) for (const i of issues) write(`  ${i.field}: ${i.message}`);
    if (verbose && e.stack) write(e.stack);
    return exitCodeOf(e.code);
  }
  const err = e as Error;
  write(
    `weavergen: unexpected error: ${err?.message ?? String(e)}${verbose ? '' : ' (this is a bug; --verbose shows where)'}`,
  );
  if (verbose && err?.stack) write(err.stack);
  return EXIT.USAGE;
}
