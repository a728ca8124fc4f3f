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
  /**
   * Keys kept, default 100,000. Past it, the buckets that have refilled are forgotten, and the
   * oldest keys if that is not enough.
   */
  maxKeys?: number;
  now?: () => number;
}

export interface RateLimiter {
  take(key: string): RateLimitDecision;
}

/**
 * A token bucket per key. A key's bucket stays where it is in the map for its whole life, so a take
 * is a lookup and two assignments; room is made only when the map is full.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const { burst } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const perMs = options.ratePerSecond / 1000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * Room for one more key. Buckets that have refilled go first: a full bucket is the same as none.
   * If too few have, the oldest keys go too, down to nine tenths of the bound, so that the next new
   * keys do not each walk the map again.
   */
  const makeRoom = (time: number) => {
    for (const [key, bucket] of buckets) if (bucket.tokens + (time - bucket.at) * perMs >= burst) buckets.delete(key);
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys * 0.9) break;
      buckets.delete(key);
    }
  };

  return {
    take(key) {
      const time = now();
      let bucket = buckets.get(key);
      if (bucket) {
        bucket.tokens = Math.min(burst, bucket.tokens + (time - bucket.at) * perMs);
        bucket.at = time;
      } else {
        if (buckets.size >= maxKeys) makeRoom(time);
        bucket = { tokens: burst, at: time };
        buckets.set(key, bucket);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return ALLOWED;
      }
      return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
    },
  };
}

/** Every allowed action gets the same answer. */
const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true, retryAfterMs: 0 });
