import { describe, expect, it } from 'vitest';
import { cpuMicros, machineBusyMicros } from '../../bench/process/proc-stats.js';

describe("the machine's busy time", () => {
  it('adds every kind of busy tick of the cpu line and leaves idle and I/O wait out', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const procStat = 'cpu  100 5 50 1000 20 3 7 2 0 0\ncpu0 60 5 30 500 10 2 4 1 0 0\ncpu1 40 0 20 500 10 1 3 1 0 0\nintr 12345\n';
    expect(machineBusyMicros(procStat)).toBe((100 + 5 + 50 + 3 + 7 + 2) * 10_000);
  });

  it('refuses a /proc/stat without its cpu line rather than reading zero', () => {
    expect(() => machineBusyMicros('intr 1\n')).toThrow(/no cpu line/);
  });

  it('grows at least by the CPU this process burns', () => {
    const machineBefore = machineBusyMicros();
    const ownBefore = cpuMicros(process.pid);
    const until = process.cpuUsage().user + 300_000;
    while (process.cpuUsage().user < until) Math.sqrt(Math.random());
    const own = cpuMicros(process.pid) - ownBefore;
    expect(own).toBeGreaterThan(200_000);
    // Both count in ticks of 10 ms; other processes only add to the machine's.
    expect(machineBusyMicros() - machineBefore).toBeGreaterThanOrEqual(own - 20_000);
  });
});
