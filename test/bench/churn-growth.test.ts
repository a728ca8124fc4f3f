import { describe, expect, it } from 'vitest';
import { churnGrowth, type ChurnSample } from '../../bench/scenarios/churn.js';

const MiB = 2 ** 20;

/** Nine samples, a third each: warm-up, middle, last. */
function samples(heapUsed: number[], afterFullGc?: number[]): ChurnSample[] {
  return heapUsed.map((heap, i) => ({ seconds: i, rssBytes: 100 * MiB, heapUsedBytes: heap * MiB, heapAfterFullGcBytes: afterFullGc && afterFullGc[i]! * MiB }));
}

describe('memory growth under churn', () => {
  it("judges the heap by what full collections come back to, when the gateway's gauge tells it", () => {
    // The sampled heap's lowest point moved with the sawtooth's phase; the collections did not.
    const growth = churnGrowth(samples([90, 60, 120, 47, 100, 150, 52, 110, 160], [0, 0, 45, 45, 45, 46, 46, 46, 46]));
    expect(growth.heapGrowth).toBeCloseTo(46 / 45, 5);
    expect(growth.rssGrowth).toBe(1);
  });

  it('catches a heap that collections no longer bring down', () => {
    expect(churnGrowth(samples([60, 60, 60, 60, 60, 60, 60, 60, 60], [40, 40, 40, 40, 42, 44, 50, 55, 60])).heapGrowth).toBeCloseTo(50 / 40, 5);
  });

  it('falls back to the lowest heap sampled without the gauge', () => {
    expect(churnGrowth(samples([90, 60, 120, 47, 100, 150, 52, 110, 160])).heapGrowth).toBeCloseTo(52 / 47, 5);
  });
});
