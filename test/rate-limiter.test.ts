import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/rate-limiter.js';

describe('createRateLimiter', () => {
  it('allows a burst, then the sustained rate, per key', () => {
    let now = 0;
    const limiter = createRateLimiter({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('alice').allowed)).toEqual([true, true, true]);
    const refused = limiter.take('alice');
    expect(refused).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(limiter.take('bob').allowed).toBe(true);
    now = 500;
    expect(limiter.take('alice').allowed).toBe(true);
    expect(limiter.take('alice').allowed).toBe(false);
    now = 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take('alice').allowed)).toEqual([true, true, true, false]);
  });
});
