import { GenerationError } from '../node/generation/index.js';
import { PackError } from '../node/packs/index.js';
import { SemconvError } from '../node/semconv/index.js';

/** Exit codes: 0 ok, 1 the input has problems (check errors, failed compile), 2 the command could not run. */
export const EXIT = { OK: 0, PROBLEMS: 1, USAGE: 2 } as const;

/** Known errors print their message (with code); unknown ones also print the stack, since they are bugs. */
export function reportError(e: unknown): number {
  if (e instanceof SemconvError || e instanceof PackError || e instanceof GenerationError) {
    process.stderr.write(`weavergen: ${e.message} [${e.code}]\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`weavergen: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT.USAGE;
}
