/** Per-peer rate limits as token buckets: `perMinute` sustained, `burst` at once. */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export interface RateLimiter {
  /** takes one token for key; false when the key is over its rate */
  take(key: string, now?: number): boolean;
  readonly limit: RateLimit;
}

export function createRateLimiter(limit: RateLimit, maxKeys = 10_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = limit.perMinute / 60_000;
  return {
    limit,
    take(key, now = Date.now()) {
      const b = buckets.get(key) ?? { tokens: limit.burst, at: now };
      b.tokens = Math.min(limit.burst, b.tokens + (now - b.at) * perMs);
      b.at = now;
      buckets.delete(key);
      buckets.set(key, b);
      // forget the least recently used keys (a new key starts with a full bucket anyway)
      while (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
