import { ModelError, ModelErrorCode } from './errors.js';
import type { Generator } from './index.js';

/** Asks a generator whether it can work (server answers, model known) within `ms`; the failure, or undefined. */
export async function probeWithin(
  g: Generator,
  ms: number,
  outer?: AbortSignal,
): Promise<ModelError | undefined> {
  const timeout = AbortSignal.timeout(ms);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  try {
    await g.probe?.(signal);
    return undefined;
  } catch (e) {
    if (timeout.aborted && !outer?.aborted)
      return new ModelError(
        { code: ModelErrorCode.UNREACHABLE, generator: g.id },
        `not reachable: no answer within ${ms} ms`,
      );
    return e instanceof ModelError
      ? e
      : new ModelError(
          { code: ModelErrorCode.INTERNAL, generator: g.id },
          (e as Error)?.message ?? String(e),
        );
  }
}
