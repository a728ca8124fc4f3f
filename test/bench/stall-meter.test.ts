import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildRegistry } from '../../bench/process/child-registry.js';
import { LatenessRecord, StallMeter } from '../../bench/process/stall-meter.js';

describe('the lateness of a timer', () => {
  it('is nothing while each timer fires when due, and the longest one late once one is', () => {
    const record = new LatenessRecord(5, 1000);
    expect(record.fired(1005)).toBe(1010);
    expect(record.fired(1010)).toBe(1015);
    expect(record.takeLongest()).toBe(0);
    record.fired(1016.5);
    record.fired(1140);
    record.fired(1150);
    expect(record.takeLongest()).toBe(118.5);
  });

  it('starts afresh after each reading', () => {
    const record = new LatenessRecord(5, 0);
    record.fired(80);
    expect(record.takeLongest()).toBe(75);
    record.fired(85);
    expect(record.takeLongest()).toBe(0);
  });
});

describe('the stall meter', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  /** The harness forks the compiled meter; here the source runs through tsx, in a process of its own all the same. */
  const registry = {
    fork: (_name: string, script: string) => (child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })),
  } as unknown as ChildRegistry;

  it('sees its process held still for 400 ms, and little while it runs', async () => {
    const meter = StallMeter.start(registry);
    await new Promise<void>((resolve) => child!.once('spawn', () => resolve()));
    // The first answer comes once the meter has started; what it saw while starting does not count.
    expect(await meter.longestLateMs(15_000)).toBeTypeOf('number');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await meter.longestLateMs()).toBeLessThan(100);

    // What a hypervisor holding the virtual CPU, or a kernel not scheduling the process, looks like from inside.
    child!.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 400));
    child!.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await meter.longestLateMs()).toBeGreaterThanOrEqual(350);
    expect(await meter.longestLateMs()).toBeLessThan(100);
  });

  it('answers undefined once its process is gone, and does not hang', async () => {
    const meter = StallMeter.start(registry);
    expect(await meter.longestLateMs(15_000)).toBeTypeOf('number');
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    await exited;
    expect(await meter.longestLateMs()).toBeUndefined();
  });
});
