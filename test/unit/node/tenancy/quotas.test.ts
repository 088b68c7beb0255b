import { describe, expect, it } from 'vitest';
import { quotaRefusal } from '../../../../node/tenancy/index.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const now = 1_800_000_000_000;
const idle = { generationsByMinute: [], tokensByHour: [], jobsInFlight: 0, storageBytes: 0 };

describe('quotaRefusal', () => {
  it('admits anything without quotas, and below every quota', () => {
    expect(quotaRefusal({}, { ...idle, jobsInFlight: 99, storageBytes: 1e12 }, now)).toBeUndefined();
    const q = { generationsPerHour: 3, concurrentJobs: 2, llmTokensPerDay: 1000, storageBytes: 10 };
    const used = {
      generationsByMinute: [[Math.floor(now / MINUTE), 2]] as [number, number][],
      tokensByHour: [[Math.floor(now / HOUR), 999]] as [number, number][],
      jobsInFlight: 1,
      storageBytes: 9,
    };
    expect(quotaRefusal(q, used, now)).toBeUndefined();
  });

  it('refuses at the concurrent-jobs limit with a short retry', () => {
    const r = quotaRefusal({ concurrentJobs: 2 }, { ...idle, jobsInFlight: 2 }, now);
    expect(r).toMatchObject({ quota: 'concurrentJobs', limit: 2, used: 2 });
    expect(r!.retryAfterS).toBeGreaterThan(0);
    expect(r!.retryAfterS).toBeLessThanOrEqual(60);
  });

  it('counts generations in a sliding hour and says when the oldest leaves it', () => {
    const m = Math.floor(now / MINUTE);
    const used = {
      ...idle,
      generationsByMinute: [
        [m - 70, 50], // older than an hour: not counted
        [m - 30, 2],
        [m, 1],
      ] as [number, number][],
    };
    expect(quotaRefusal({ generationsPerHour: 4 }, used, now)).toBeUndefined();
    const r = quotaRefusal({ generationsPerHour: 3 }, used, now)!;
    expect(r).toMatchObject({ quota: 'generationsPerHour', used: 3, limit: 3 });
    // the bucket of 30 minutes ago leaves the hour in about 31 minutes
    expect(r.retryAfterS).toBeGreaterThan(29 * 60);
    expect(r.retryAfterS).toBeLessThanOrEqual(31 * 60);
  });

  it('counts LLM tokens over 24 hours', () => {
    const h = Math.floor(now / HOUR);
    const used = {
      ...idle,
      tokensByHour: [
        [h - 30, 10_000],
        [h - 2, 600],
        [h, 500],
      ] as [number, number][],
    };
    expect(quotaRefusal({ llmTokensPerDay: 1101 }, used, now)).toBeUndefined();
    const r = quotaRefusal({ llmTokensPerDay: 1100 }, used, now)!;
    expect(r).toMatchObject({ quota: 'llmTokensPerDay', used: 1100 });
    expect(r.retryAfterS).toBeLessThanOrEqual(23 * 3600);
  });

  it('refuses at the storage limit, a quota time does not free', () => {
    const r = quotaRefusal({ storageBytes: 100 }, { ...idle, storageBytes: 100 }, now)!;
    expect(r.quota).toBe('storageBytes');
    expect(r.message).toMatch(/weavergen tenant/);
  });

  it('a quota of 0 refuses everything it counts', () => {
    expect(quotaRefusal({ generationsPerHour: 0 }, idle, now)?.quota).toBe('generationsPerHour');
    expect(quotaRefusal({ concurrentJobs: 0 }, idle, now)?.quota).toBe('concurrentJobs');
  });
});
