import type { LoadFleet } from '../load/load-fleet.js';
import type { LatencySummary } from '../load/histogram.js';
import type { SendCounts } from '../load/worker-messages.js';
import { machineBusyMicros, rssBytes, totalCpuMicros } from '../process/proc-stats.js';
import type { StallMeter } from '../process/stall-meter.js';
import { describeRuntime, runtimeBetween, type RuntimeDuringStep } from '../systems/runtime-metrics.js';
import type { RunningSystem } from '../systems/system.js';
import type { SocketPlan } from './socket-plan.js';

export interface StepLimits {
  durationMs: number;
  /** Longest wait after sending stops for deliveries and acks still on their way. */
  maxDrainMs: number;
  /** A step passes with p99 at or under this and nothing lost. */
  p99LimitMs: number;
  /** Whether to wait for an idle system first (default true); not when other load runs alongside on purpose. */
  waitForIdle?: boolean;
}

export interface StepResult extends SendCounts {
  step: number;
  offeredDeliveriesPerSecond: number;
  /** What the generator actually offered (sends made × subscribers per group / time). */
  achievedOfferedPerSecond: number;
  deliveredPerSecond: number;
  sendsPerSecond: number;
  lost: number;
  latencyMs: LatencySummary;
  ackMs: LatencySummary;
  /** CPU of the system's server process(es) from step start to the end of the drain, per delivery. */
  serverCpuMicrosPerDelivery: number | null;
  serverCpuSeconds: number;
  auxiliaryCpuSeconds: number;
  /** Share of one core the server used over the step. */
  serverCpuUtilisation: number;
  /** Cores the load-generator processes used over the same time (absent from runs before it was read). */
  generatorCpuUtilisation?: number;
  /** Cores the whole machine was busy over the same time: every process and the kernel (see `machineBusyMicros`). */
  machineCpuUtilisation?: number;
  /**
   * Cores the shared Redis used over the same time (absent when its process is not visible, and
   * from runs before it was read). The gateway, the tutorial stack and the floor all work through
   * it; the wire does not.
   */
  redisCpuUtilisation?: number;
  /** Redis's CPU over the same time, per delivery: its share of each delivery's cost. */
  redisCpuMicrosPerDelivery?: number | null;
  /**
   * The longest the harness's stall meter, a process that only sleeps and wakes, came late over the
   * same time (ms): large when the whole machine stalled rather than the server measured (absent
   * from runs before it was read).
   */
  machineStallMs?: number;
  serverRssBytes: number;
  drainMs: number;
  /** How long the step waited, before sending, for the system to finish the previous step's work. */
  settleMs: number;
  /** False when the system was still busy after the longest wait: the step ran on a busy system. */
  settled: boolean;
  unexpectedCloses: number;
  /** From the server's own metrics (the gateway's): full collections and loop stalls in the step. */
  serverRuntime?: RuntimeDuringStep;
  passed: boolean;
  failure?: string;
  /** A failed step whose rate was measured again at once and passed (see `climbRateLadder`). */
  passedOnRepeat?: boolean;
}

let stepSeq = 0;
const PADDING = 'x'.repeat(48);

/** What the harness watches on the machine beside the system: the shared Redis's process and the stall meter. */
export interface MachineProbes {
  redisPid?: number;
  stalls?: StallMeter;
}

/** A system is idle when its processes (server, auxiliary and the Redis it works through) use less than this share of a core. */
export const IDLE_CORES = 0.2;
export const IDLE_SAMPLE_MS = 500;
export const MAX_SETTLE_MS = 15_000;

/**
 * Waits until the system's processes are idle: after an overloaded step a system may still be
 * delivering, persisting or collecting garbage for seconds, and Redis still sending it what it
 * published, and the next step would measure that backlog instead of its own rate. Every system
 * waits alike; answers how long it took.
 */
async function settle(pids: number[]): Promise<{ settleMs: number; settled: boolean }> {
  const started = performance.now();
  for (;;) {
    const before = totalCpuMicros(pids);
    await sleep(IDLE_SAMPLE_MS);
    const cores = (totalCpuMicros(pids) - before) / 1000 / IDLE_SAMPLE_MS;
    const settleMs = Math.round(performance.now() - started);
    if (cores < IDLE_CORES) return { settleMs, settled: true };
    if (settleMs >= MAX_SETTLE_MS) return { settleMs, settled: false };
  }
}

/** One step at a fixed offered rate: send, drain, measure, judge. */
export async function measureStep(
  fleet: LoadFleet,
  system: RunningSystem,
  plan: SocketPlan,
  offeredDeliveriesPerSecond: number,
  limits: StepLimits,
  closesBefore: number,
  probes: MachineProbes = {},
): Promise<StepResult> {
  const { redisPid, stalls } = probes;
  const step = ++stepSeq;
  const serverPids = system.instances.map((instance) => instance.child.pid!);
  const auxPids = system.auxiliary.map((child) => child.pid!);
  const redisPids = redisPid === undefined ? [] : [redisPid];
  const subscribersPerMessage = averageSubscribers(plan);
  const sendsPerSecond = offeredDeliveriesPerSecond / subscribersPerMessage;

  const { settleMs, settled } = limits.waitForIdle === false ? { settleMs: 0, settled: true } : await settle([...serverPids, ...auxPids, ...redisPids]);
  // Read before the CPU is: scraping costs the server a little, outside what the step measures.
  const runtimeBefore = await system.readRuntime?.();
  // The stall meter starts afresh for the step, before the CPU readings so its round trip is not in them.
  await stalls?.longestLateMs();
  const cpuBefore = totalCpuMicros(serverPids);
  const auxBefore = totalCpuMicros(auxPids);
  const generatorBefore = totalCpuMicros(fleet.pids);
  const redisBefore = totalCpuMicros(redisPids);
  const machineBefore = machineBusyMicros();
  const started = performance.now();
  await fleet.startStep(step, sendsPerSecond, limits.durationMs, plan.subscribersByGroup, fleet.senderShares(plan.specs), PADDING);
  await sleep(limits.durationMs);

  const drainStarted = performance.now();
  let report = await fleet.report(step);
  while (performance.now() - drainStarted < limits.maxDrainMs && (report.received < report.expected || report.unacked > 0 || report.sendingMs < limits.durationMs)) {
    await sleep(100);
    report = await fleet.report(step);
  }
  const drainMs = performance.now() - drainStarted;
  const serverCpu = totalCpuMicros(serverPids) - cpuBefore;
  const auxCpu = totalCpuMicros(auxPids) - auxBefore;
  const generatorCpu = totalCpuMicros(fleet.pids) - generatorBefore;
  const redisCpu = totalCpuMicros(redisPids) - redisBefore;
  const machineCpu = machineBusyMicros() - machineBefore;
  const machineStallMs = await stalls?.longestLateMs();
  const elapsedMs = performance.now() - started;
  const coresOver = (micros: number) => Math.round((micros / 1000 / elapsedMs) * 100) / 100;
  const serverRuntime = runtimeBetween(runtimeBefore, await system.readRuntime?.());
  const sendingSeconds = Math.max(report.sendingMs, 1) / 1000;

  const perDelivery = (micros: number) => (report.received > 0 ? Math.round((micros / report.received) * 100) / 100 : null);
  const lost = Math.max(0, report.expected - report.received);
  const latencyMs = report.latency.summary();
  const unexpectedCloses = report.unexpectedCloses - closesBefore;
  const failure =
    report.attempted === 0
      ? 'no message sent: the rate is below one message per worker and step'
      : report.errored > 0
      ? `${report.errored} sends failed`
      : unexpectedCloses > 0
        ? `${unexpectedCloses} sockets closed`
        : lost > 0
          ? `${lost} deliveries lost`
          : report.unacked > 0
            ? `${report.unacked} sends unacked`
            : latencyMs.p99 > limits.p99LimitMs
              ? `p99 ${latencyMs.p99} ms > ${limits.p99LimitMs} ms`
              : undefined;
  return {
    step,
    offeredDeliveriesPerSecond,
    achievedOfferedPerSecond: Math.round((report.attempted * subscribersPerMessage) / sendingSeconds),
    deliveredPerSecond: Math.round(report.receivedInWindow / sendingSeconds),
    sendsPerSecond: Math.round(sendsPerSecond * 100) / 100,
    attempted: report.attempted,
    acked: report.acked,
    errored: report.errored,
    errorSamples: report.errorSamples,
    unacked: report.unacked,
    expected: report.expected,
    received: report.received,
    lost,
    latencyMs,
    ackMs: report.ack.summary(),
    serverCpuMicrosPerDelivery: perDelivery(serverCpu),
    serverCpuSeconds: Math.round(serverCpu / 10_000) / 100,
    auxiliaryCpuSeconds: Math.round(auxCpu / 10_000) / 100,
    serverCpuUtilisation: coresOver(serverCpu),
    generatorCpuUtilisation: coresOver(generatorCpu),
    machineCpuUtilisation: coresOver(machineCpu),
    ...(redisPid === undefined ? {} : { redisCpuUtilisation: coresOver(redisCpu), redisCpuMicrosPerDelivery: perDelivery(redisCpu) }),
    ...(machineStallMs === undefined ? {} : { machineStallMs }),
    serverRssBytes: serverPids.reduce((sum, pid) => sum + rssBytes(pid), 0),
    drainMs: Math.round(drainMs),
    settleMs,
    settled,
    unexpectedCloses,
    ...(serverRuntime ? { serverRuntime } : {}),
    passed: failure === undefined,
    failure,
  };
}

/** A stall of the stall meter this long or longer is worth naming beside a step's figures. */
export const NOTABLE_MACHINE_STALL_MS = 20;

/** The machine's own stall in the step, when it was long enough to matter; else undefined. */
export function machineStallText(step: StepResult): string | undefined {
  return step.machineStallMs !== undefined && step.machineStallMs >= NOTABLE_MACHINE_STALL_MS ? `the machine stalled up to ${step.machineStallMs} ms` : undefined;
}

/** Why a step failed, with what the server's runtime and the machine did meanwhile where that is known. */
export function failureText(step: StepResult): string | undefined {
  if (step.passed) return undefined;
  const context = [step.serverRuntime && describeRuntime(step.serverRuntime), machineStallText(step)].filter(Boolean);
  return context.length > 0 ? `${step.failure} (${context.join('; ')})` : step.failure;
}

export function averageSubscribers(plan: SocketPlan): number {
  const counts = Object.values(plan.subscribersByGroup);
  return counts.reduce((sum, n) => sum + n, 0) / Math.max(1, counts.length);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
