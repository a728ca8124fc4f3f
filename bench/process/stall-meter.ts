import type { ChildProcess } from 'node:child_process';
import type { ChildRegistry } from './child-registry.js';
import { IpcRequests } from './ipc-requests.js';

/** How often the meter's process wakes: rare enough to cost about 1 % of a core, fine enough for the stalls that decide a p99. */
export const STALL_METER_INTERVAL_MS = 5;

export interface StallMeterRequest {
  reqId: number;
}

export interface StallMeterReply {
  reqId: number;
  /** The longest any of the meter's timers fired late since the previous request, in ms. */
  longestLateMs: number;
}

/**
 * Keeps the longest lateness of a timer that is rescheduled every `intervalMs`. A process that does
 * nothing else is late only when the machine did not run it: the hypervisor held the virtual CPU,
 * the kernel was busy, or every core was taken for that long.
 */
export class LatenessRecord {
  private expectedAt: number;
  private longest = 0;

  constructor(
    private readonly intervalMs: number,
    now: number,
  ) {
    this.expectedAt = now + intervalMs;
  }

  /** A timer fired at `now`; answers when the next one is due. */
  fired(now: number): number {
    this.longest = Math.max(this.longest, now - this.expectedAt);
    this.expectedAt = now + this.intervalMs;
    return this.expectedAt;
  }

  /** The longest lateness since the previous call, and a fresh start. */
  takeLongest(): number {
    const longest = this.longest;
    this.longest = 0;
    return Math.round(longest * 10) / 10;
  }
}

/**
 * A process of the harness's own that only sleeps and wakes: how long its timers came late in a step
 * tells a stall of the whole machine from a stall of the server measured, whose own loop-delay
 * figure cannot.
 */
export class StallMeter {
  private readonly requests = new IpcRequests<StallMeterReply>();

  private constructor(private readonly child: ChildProcess) {
    this.requests.watch(child, () => new Error('the stall meter exited'));
  }

  static start(registry: ChildRegistry): StallMeter {
    return new StallMeter(registry.fork('stall-meter', 'bench/process/stall-meter-process.ts'));
  }

  /** The longest the meter's timers came late since the previous call (ms); undefined when the meter does not answer. */
  async longestLateMs(timeoutMs = 2000): Promise<number | undefined> {
    if (this.child.exitCode !== null || !this.child.connected) return undefined;
    try {
      return (await this.requests.request(this.child, {}, timeoutMs, 'the stall meter did not answer')).longestLateMs;
    } catch {
      return undefined;
    }
  }
}
