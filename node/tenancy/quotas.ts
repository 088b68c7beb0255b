import type { Quotas } from './types.js';

/** What a tenant has used, as a quota check reads it. */
export interface UsedNow {
  /** generations submitted per minute bucket of the last hour: [minute (epoch ms / 60,000), count] */
  generationsByMinute: [number, number][];
  jobsInFlight: number;
  /** LLM tokens per hour bucket of the last day: [hour (epoch ms / 3,600,000), tokens] */
  tokensByHour: [number, number][];
  storageBytes: number;
}

export interface QuotaRefusal {
  quota: keyof Quotas;
  limit: number;
  used: number;
  /** when a retry can succeed: the oldest bucket leaving the window, or a guess for what is not time-bound */
  retryAfterS: number;
  message: string;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The buckets of the sliding window that ends now: generations of the last hour, tokens of the last day. */
export const lastHour = (byMinute: [number, number][], now: number) =>
  byMinute.filter(([m]) => m > Math.floor(now / MINUTE) - 60);
export const lastDay = (byHour: [number, number][], now: number) =>
  byHour.filter(([h]) => h > Math.floor(now / HOUR) - 24);
export const total = (buckets: [number, number][]) => buckets.reduce((s, [, n]) => s + n, 0);

/**
 * Whether a tenant may start one more job now; the first quota that is used up, with when to come
 * back. `jobs` is what the new work adds (1 for a generation or a task).
 */
export function quotaRefusal(quotas: Quotas, used: UsedNow, now: number): QuotaRefusal | undefined {
  const { generationsPerHour, concurrentJobs, llmTokensPerDay, storageBytes } = quotas;
  if (concurrentJobs !== undefined && used.jobsInFlight >= concurrentJobs)
    return {
      quota: 'concurrentJobs',
      limit: concurrentJobs,
      used: used.jobsInFlight,
      // a generation takes seconds: come back soon
      retryAfterS: 5,
      message: `${used.jobsInFlight} jobs of this tenant are queued or running (quota concurrentJobs ${concurrentJobs}); wait for one to finish`,
    };
  if (generationsPerHour !== undefined) {
    const inWindow = lastHour(used.generationsByMinute, now);
    const count = total(inWindow);
    if (count >= generationsPerHour) {
      const oldest = Math.min(...inWindow.map(([m]) => m), Math.floor(now / MINUTE));
      return {
        quota: 'generationsPerHour',
        limit: generationsPerHour,
        used: count,
        retryAfterS: Math.max(1, Math.ceil(((oldest + 61) * MINUTE - now) / 1000)),
        message: `${count} generations in the last hour (quota generationsPerHour ${generationsPerHour})`,
      };
    }
  }
  if (llmTokensPerDay !== undefined) {
    const inWindow = lastDay(used.tokensByHour, now);
    const spent = total(inWindow);
    if (spent >= llmTokensPerDay) {
      const oldest = Math.min(...inWindow.map(([h]) => h), Math.floor(now / HOUR));
      return {
        quota: 'llmTokensPerDay',
        limit: llmTokensPerDay,
        used: spent,
        retryAfterS: Math.max(1, Math.ceil(((oldest + 25) * HOUR - now) / 1000)),
        message: `${spent} LLM tokens spent in the last 24 hours (quota llmTokensPerDay ${llmTokensPerDay})`,
      };
    }
  }
  if (storageBytes !== undefined && used.storageBytes >= storageBytes)
    return {
      quota: 'storageBytes',
      limit: storageBytes,
      used: used.storageBytes,
      // storage is freed by people, not by time: an hour is a guess that keeps clients from hammering
      retryAfterS: 3600,
      message: `this tenant holds ${used.storageBytes} bytes (quota storageBytes ${storageBytes}); an admin can raise it (weavergen tenant quota)`,
    };
  return undefined;
}
