import { ModelError, ModelErrorCode, TRANSIENT_CODES } from './errors.js';
import type { FallbackRecord, Generator } from './index.js';
import { asModelError } from './llm.js';

export interface FallbackInit {
  /** which failures move on to the next generator; default: rate limited, server error, timeout, unreachable */
  codes?: ReadonlySet<ModelErrorCode>;
}

/**
 * The first generator of `chain`, falling back to the next one when it fails transiently after its
 * SDK's own retries (429, 5xx, timeout, unreachable). A request or answer that is wrong (bad pack,
 * malformed answer, truncation) fails at once: another provider would not make it right. The result
 * says which generator produced it and why the ones before it were passed over; when all fail, the
 * error lists every failure and the tokens they spent.
 */
export function createFallbackGenerator(chain: Generator[], init: FallbackInit = {}): Generator {
  if (chain.length === 0) throw new RangeError('a fallback chain needs at least one generator');
  const codes = init.codes ?? TRANSIENT_CODES;
  const [first] = chain;
  return {
    id: first.id,
    kind: first.kind,
    modelName: first.modelName,
    probe: first.probe?.bind(first),
    async generate(request) {
      const fallbacks: FallbackRecord[] = [];
      const spent = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
      for (const [i, g] of chain.entries()) {
        try {
          const result = await g.generate(request);
          if (fallbacks.length === 0) return result;
          return {
            ...result,
            fallbacks,
            usage: {
              ...result.usage,
              inputTokens: result.usage.inputTokens + spent.inputTokens,
              outputTokens: result.usage.outputTokens + spent.outputTokens,
              costUsd: result.usage.costUsd + spent.costUsd,
            },
          };
        } catch (e) {
          const err = asModelError(e, g.id);
          const { usage } = err.type;
          if (usage) {
            spent.inputTokens += usage.inputTokens;
            spent.outputTokens += usage.outputTokens;
            spent.costUsd += usage.costUsd;
          }
          const next = chain[i + 1];
          if (!codes.has(err.code) || !next || request.signal?.aborted) {
            if (fallbacks.length === 0) throw err;
            const failures = [
              ...fallbacks.map((f) => ({ generator: f.from, code: f.code, message: f.reason })),
            ];
            failures.push({ generator: g.id, code: err.code, message: err.message });
            throw new ModelError(
              { code: ModelErrorCode.FALLBACK_EXHAUSTED, generator: first.id, failures, usage: spent },
              `every generator failed: ${failures.map((f) => `${f.generator}: ${f.message}`).join('; ')}`,
              { cause: err },
            );
          }
          const record: FallbackRecord = { from: g.id, to: next.id, code: err.code, reason: err.message };
          fallbacks.push(record);
          try {
            request.onProgress?.({ phase: 'fallback', generator: g.id, ...record });
          } catch {
            // a listener's failure is not the generation's
          }
        }
      }
      throw new ModelError(
        { code: ModelErrorCode.INTERNAL, generator: first.id },
        'fallback chain ended without a result',
      );
    },
  };
}
