import { createHash } from 'node:crypto';
import { canonicalJson } from '../../marketplace/pack-id.js';
import type { Store } from '../storage/index.js';
import { JobsError, JobsErrorCode } from './errors.js';

/** How long a key is remembered: a client retrying a lost answer does so within minutes, not days. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface Remembered {
  id: string;
  /** sha-256 of the request's canonical JSON: the same key with another body is a conflict */
  hash: string;
  at: number;
}

export interface Idempotency {
  /**
   * Runs `start` once per (kind, key): a retry with the same key and the same request gets the id
   * of the first (`replayed`), the same key with another request is refused IDEMPOTENCY_CONFLICT.
   */
  once<T extends { id: string }>(
    kind: string,
    key: string,
    request: unknown,
    start: () => Promise<T>,
  ): Promise<{ id: string; started?: T; replayed: boolean }>;
}

export function createIdempotency(store: Store, now: () => number = Date.now): Idempotency {
  // concurrent retries of one key wait for the first, so only one of them starts
  const pending = new Map<string, Promise<unknown>>();
  return {
    async once(kind, key, request, start) {
      const k = `${kind}!${key}`;
      const hash = createHash('sha256').update(canonicalJson(request)).digest('hex');
      while (pending.has(k)) await pending.get(k)!.catch(() => {});
      const run = (async () => {
        const seen = await store.get<Remembered>('idempotency', k);
        if (seen && now() - seen.at < IDEMPOTENCY_TTL_MS) {
          if (seen.hash !== hash)
            throw new JobsError(
              { code: JobsErrorCode.IDEMPOTENCY_CONFLICT, key },
              `Idempotency-Key ${key} was used with another request (for ${seen.id}); use a new key for a new request`,
            );
          return { id: seen.id, replayed: true };
        }
        const started = await start();
        await store.put('idempotency', k, { id: started.id, hash, at: now() } satisfies Remembered);
        return { id: started.id, started, replayed: false };
      })();
      pending.set(k, run);
      try {
        return await run;
      } finally {
        pending.delete(k);
      }
    },
  };
}
