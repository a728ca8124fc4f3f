export interface RateLimitDecision {
  allowed: boolean;
  /** When refused: how long until one more action is allowed. */
  retryAfterMs: number;
}

export interface RateLimiterOptions {
  /** Sustained actions per second per key. */
  ratePerSecond: number;
  /** Actions allowed at once before the rate applies. */
  burst: number;
  /** Keys kept before the idlest are forgotten, default 100,000. */
  maxKeys?: number;
  now?: () => number;
}

export interface RateLimiter {
  take(key: string): RateLimitDecision;
}

/** A token bucket per key; idle buckets are dropped, as a full bucket needs no memory. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const perMs = options.ratePerSecond / 1000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    take(key) {
      const time = now();
      let bucket = buckets.get(key);
      if (bucket) {
        buckets.delete(key);
        bucket.tokens = Math.min(options.burst, bucket.tokens + (time - bucket.at) * perMs);
        bucket.at = time;
      } else {
        bucket = { tokens: options.burst, at: time };
      }
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, retryAfterMs: 0 };
      }
      return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
    },
  };
}
