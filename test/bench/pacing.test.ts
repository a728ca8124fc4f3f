import { describe, expect, it } from 'vitest';
import { phaseOf, sendsOwed } from '../../bench/load/pacing.js';

/** The times (ms) at which a worker sends over `durationMs`, checked every millisecond as a tick would. */
function sendTimes(sendsPerSecond: number, phase: number, durationMs: number): number[] {
  const times: number[] = [];
  for (let elapsed = 0; elapsed <= durationMs; elapsed++) {
    const owed = sendsOwed(sendsPerSecond, elapsed, phase, times.length);
    for (let i = 0; i < owed; i++) times.push(elapsed);
  }
  return times;
}

describe('send pacing', () => {
  it('spreads a worker\'s sends evenly over the step', () => {
    expect(sendTimes(2, 0, 2000)).toEqual([500, 1000, 1500, 2000]);
  });

  it('interleaves the workers of a fleet instead of sending together', () => {
    const workers = 2;
    const all = Array.from({ length: workers }, (_, i) => sendTimes(1, phaseOf(i, workers), 5000))
      .flat()
      .sort((a, b) => a - b);
    expect(all).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]);
  });

  it('offers the fleet its whole rate over the step', () => {
    const workers = 3;
    const sends = Array.from({ length: workers }, (_, i) => sendTimes(0.5, phaseOf(i, workers), 5000).length);
    expect(sends.reduce((sum, n) => sum + n, 0)).toBe(7);
  });

  it('catches up after a late tick', () => {
    expect(sendsOwed(100, 50, 0, 2)).toBe(3);
    expect(sendsOwed(100, 50, 0, 9)).toBe(0);
  });
});
