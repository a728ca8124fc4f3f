import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryWatch } from '../../src/realtime/expiry-watch.js';

describe('ExpiryWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each item once its time has passed, within a second, with one timer for all', () => {
    const expired: string[] = [];
    const watch = new ExpiryWatch<string>((item) => expired.push(item));
    const start = Date.now();
    watch.watch('a', start + 2500);
    watch.watch('b', start + 1200);
    watch.watch('c', start + 2500);
    watch.watch('d', start + 60_000);
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(1000);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['b']);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['b', 'a', 'c']);
    expect(watch.size).toBe(1);
    vi.advanceTimersByTime(57_000);
    expect(expired).toEqual(['b', 'a', 'c', 'd']);
    expect(watch.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never expires an item it was told to forget, and stops its timer with the last one', () => {
    const onExpired = vi.fn();
    const watch = new ExpiryWatch<object>(onExpired);
    const first = {};
    const second = {};
    watch.watch(first, Date.now() + 1500);
    watch.watch(second, Date.now() + 1500);
    watch.forget(first);
    vi.advanceTimersByTime(3000);
    expect(onExpired.mock.calls).toEqual([[second]]);

    watch.watch(first, Date.now() + 5000);
    watch.forget(first);
    watch.forget(first);
    expect(watch.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(onExpired).toHaveBeenCalledTimes(1);
  });

  it('expires a time already past at the next check, not while it is being watched', () => {
    const expired: string[] = [];
    const watch = new ExpiryWatch<string>((item) => expired.push(item));
    watch.watch('late', Date.now() - 10_000);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['late']);
  });

  it('keeps the latest time of an item watched again, and forgets everything on clear', () => {
    const expired: string[] = [];
    const watch = new ExpiryWatch<string>((item) => expired.push(item));
    watch.watch('a', Date.now() + 1000);
    watch.watch('a', Date.now() + 4000);
    vi.advanceTimersByTime(2000);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(3000);
    expect(expired).toEqual(['a']);

    watch.watch('b', Date.now() + 1000);
    watch.clear();
    vi.advanceTimersByTime(5000);
    expect(expired).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('catches up on every second that passed while its timer could not run', () => {
    const expired: string[] = [];
    const watch = new ExpiryWatch<string>((item) => expired.push(item));
    watch.watch('a', Date.now() + 2000);
    watch.watch('b', Date.now() + 30_000);
    // The clock moves on without the timer firing (a stalled event loop, a suspended process).
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['a', 'b']);
  });
});
