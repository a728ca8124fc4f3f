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

  it('makes room by forgetting refilled buckets, so a key still limited stays limited', () => {
    let now = 0;
    const limiter = createRateLimiter({ ratePerSecond: 1, burst: 2, maxKeys: 3, now: () => now });
    expect([1, 2].map(() => limiter.take('alice').allowed)).toEqual([true, true]);
    limiter.take('bob');
    limiter.take('carol');
    now = 1000;
    // bob and carol have refilled by now; alice has one token back, not two.
    expect(limiter.take('dave').allowed).toBe(true);
    expect([1, 2].map(() => limiter.take('alice').allowed)).toEqual([true, false]);
  });

  it('stays bounded when every bucket is in use, forgetting the oldest keys', () => {
    const limiter = createRateLimiter({ ratePerSecond: 0.001, burst: 1, maxKeys: 2, now: () => 0 });
    expect(limiter.take('alice').allowed).toBe(true);
    expect(limiter.take('bob').allowed).toBe(true);
    expect(limiter.take('carol').allowed).toBe(true);
    // alice was forgotten to make room, so she starts again with a full bucket; bob was not.
    expect(limiter.take('bob').allowed).toBe(false);
    expect(limiter.take('alice').allowed).toBe(true);
  });
});
