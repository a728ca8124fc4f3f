import { describe, expect, it } from 'vitest';
import { checkTargets } from '../../bench/report/targets.js';
import type { BenchResults } from '../../bench/results.js';

/** A system's result with the fields the targets read: its peak step and its step at half the gateway's peak. */
function system(name: string, peak: { delivered: number; cpu: number }, half: { p99: number; attempted?: number }) {
  return {
    system: name,
    notes: [],
    peak: { deliveredPerSecond: peak.delivered, offeredPerSecond: peak.delivered, step: 1 },
    steps: [{ step: 1, passed: true, attempted: 10, serverCpuMicrosPerDelivery: peak.cpu }],
    halfGatewayPeak: { step: 2, passed: true, attempted: half.attempted ?? 10, offeredDeliveriesPerSecond: 5000, latencyMs: { p99: half.p99 } },
  };
}

function results(floorHalfAttempted = 10, wire?: ReturnType<typeof system>): BenchResults {
  return {
    workloads: [
      {
        name: 'w',
        sockets: 100,
        groups: 1,
        groupSize: 100,
        systems: [
          system('gateway', { delivered: 10_000, cpu: 6 }, { p99: 40 }),
          system('floor', { delivered: 8_000, cpu: 9 }, { p99: 70, attempted: floorHalfAttempted }),
          ...(wire ? [wire] : []),
        ],
      },
    ],
    idleMemory: [],
  } as unknown as BenchResults;
}

describe('target checks', () => {
  it("judge the gateway's own figures and show the floor's beside them", () => {
    const checks = checkTargets(results());
    expect(checks.find((check) => check.target.startsWith('gateway CPU'))).toEqual({
      target: 'gateway CPU ≤ 5 µs per delivery at peak',
      scope: 'w',
      value: '6 µs; floor 9 µs at its own peak',
      met: false,
    });
    expect(checks.find((check) => check.target.startsWith('gateway p99'))).toEqual({
      target: 'gateway p99 ≤ 50 ms at half its peak',
      scope: 'w',
      value: '40 ms at 5000/s; floor 70 ms at the same rate',
      met: true,
    });
    expect(checks.find((check) => check.target.includes('of floor'))).toMatchObject({ value: '125 %', met: true });
  });

  it('call a missed target out of reach only when the wire misses it too', () => {
    const slowWire = checkTargets(results(10, system('wire', { delivered: 12_000, cpu: 5.5 }, { p99: 30 })));
    expect(slowWire.find((check) => check.target.startsWith('gateway CPU'))).toEqual({
      target: 'gateway CPU ≤ 5 µs per delivery at peak',
      scope: 'w',
      value: '6 µs; floor 9 µs at its own peak; wire 5.5 µs at its least',
      met: false,
      outOfReach: true,
    });
    // The latency target is met: the wire's figure is shown, nothing is out of reach.
    expect(slowWire.find((check) => check.target.startsWith('gateway p99'))).toEqual({
      target: 'gateway p99 ≤ 50 ms at half its peak',
      scope: 'w',
      value: '40 ms at 5000/s; floor 70 ms at the same rate; wire 30 ms at the same rate',
      met: true,
    });
    const fastWire = checkTargets(results(10, system('wire', { delivered: 12_000, cpu: 4 }, { p99: 30 })));
    expect(fastWire.find((check) => check.target.startsWith('gateway CPU'))).toMatchObject({ met: false });
    expect(fastWire.find((check) => check.target.startsWith('gateway CPU'))?.outOfReach).toBeUndefined();
  });

  it('leave the floor out of a latency it did not measure', () => {
    const check = checkTargets(results(0)).find((candidate) => candidate.target.startsWith('gateway p99'));
    expect(check?.value).toBe('40 ms at 5000/s');
  });
});
