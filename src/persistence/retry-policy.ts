export interface RetryPolicy {
  /** Deliveries before a message becomes a dead letter, default 8. */
  maxAttempts: number;
  /** First delay, default 100 ms; doubled each attempt. */
  baseDelayMs: number;
  /** Largest delay, default 10 s. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 };

/** Exponential backoff with full jitter, so workers that failed together do not retry together. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
