import { loadavg } from 'node:os';
import type { BenchOptions, Workload } from '../options.js';
import { describeRuntime } from '../systems/runtime-metrics.js';
import type { SystemName } from '../systems/system.js';
import { machineStallText, type StepLimits, type StepResult } from './measure-step.js';
import { climbRateLadder } from './rate-ladder.js';
import { inSession, openSession, type HarnessContext, type SetupResult } from './system-session.js';

export interface SystemWorkloadResult {
  system: SystemName;
  mode?: string;
  notes: string[];
  setup?: SetupResult;
  steps: StepResult[];
  /** The best delivered rate among steps that passed (p99 within the limit, nothing lost or failed). */
  peak: { deliveredPerSecond: number; offeredPerSecond: number; step: number } | null;
  /** A step at half the gateway's peak offered rate, the same rate for every system. */
  halfGatewayPeak: StepResult | null;
  /** The unjudged first step on a fresh process. */
  primer?: StepResult;
  error?: string;
  loadAverageAtStart: number[];
}

/** A ladder's first rate sends at least this many messages per second, so big groups get a few per step. */
const MIN_SENDS_PER_SECOND = 2;

export interface WorkloadResult extends Workload {
  groups: number;
  systems: SystemWorkloadResult[];
}

/**
 * One workload on every system, one after the other, each on a fresh server: a ladder of offered
 * rates (see `climbRateLadder`), then one step at half the gateway's peak. The gateway runs first
 * so that rate is known; every system climbs the same ladder.
 */
export async function runFanoutWorkload(ctx: HarnessContext, options: BenchOptions, workload: Workload): Promise<WorkloadResult> {
  const limits: StepLimits = { durationMs: options.stepMs, maxDrainMs: options.maxDrainMs, p99LimitMs: options.p99LimitMs };
  const result: WorkloadResult = { ...workload, groups: Math.ceil(workload.sockets / workload.groupSize), systems: [] };
  let halfRate: number | null = null;
  for (const name of options.systems) {
    ctx.log(`${workload.name}: ${name}`);
    const entry: SystemWorkloadResult = { system: name, notes: [], steps: [], peak: null, halfGatewayPeak: null, loadAverageAtStart: loadAverage() };
    result.systems.push(entry);
    await inSession(
      ctx,
      name,
      entry,
      () => openSession(ctx, name, workload.name, { sockets: workload.sockets, groupSize: workload.groupSize }),
      async (session) => {
        entry.mode = session.system.mode;
        entry.notes.push(...session.system.notes);
        entry.setup = session.setup;
        const start = Math.max(options.ladder.start, workload.groupSize * MIN_SENDS_PER_SECOND);
        // A fresh process runs cold: one unjudged step at the first rate lets the JIT settle.
        entry.primer = await session.step(start, { ...limits, durationMs: Math.min(limits.durationMs, 3000) });
        const run = async (offered: number) => {
          const step = await session.step(Math.round(offered), limits);
          entry.steps.push(step);
          ctx.log(`  ${name} ${describe(step)}`);
          return step;
        };
        await climbRateLadder({ ...options.ladder, start }, limits.p99LimitMs, run);
        const best = entry.steps.filter(countsForPeak).sort((a, b) => b.deliveredPerSecond - a.deliveredPerSecond)[0];
        if (best) entry.peak = { deliveredPerSecond: best.deliveredPerSecond, offeredPerSecond: best.offeredDeliveriesPerSecond, step: best.step };
        else entry.notes.push('no step passed: the first offered rate was already too much');
        if (name === 'gateway' && best) halfRate = Math.round(best.offeredDeliveriesPerSecond / 2);
        if (halfRate !== null) {
          entry.halfGatewayPeak = await session.step(halfRate, limits);
          ctx.log(`  ${name} half gateway peak: ${describe(entry.halfGatewayPeak)}`);
        }
      },
    );
  }
  return result;
}

/** A step that passed and actually sent something. */
export function countsForPeak(step: StepResult): boolean {
  return step.passed && step.attempted > 0;
}

export function describe(step: StepResult): string {
  const machineStall = machineStallText(step);
  return (
    `offered ${step.offeredDeliveriesPerSecond}/s (achieved ${step.achievedOfferedPerSecond}) delivered ${step.deliveredPerSecond}/s ` +
    `p50 ${step.latencyMs.p50} p99 ${step.latencyMs.p99} max ${step.latencyMs.max} ms, ack p99 ${step.ackMs.p99} ms, ` +
    `cpu ${step.serverCpuMicrosPerDelivery} µs/delivery (${step.serverCpuUtilisation} cores; generator ${step.generatorCpuUtilisation}, ` +
    (step.redisCpuUtilisation === undefined ? '' : `Redis ${step.redisCpuUtilisation}, `) +
    `machine ${step.machineCpuUtilisation})` +
    (step.serverRuntime?.framesPerWrite ? `, ${step.serverRuntime.framesPerWrite} frames/write` : '') +
    `, lost ${step.lost}` +
    (step.settled ? (step.settleMs >= 1000 ? `, idle after ${(step.settleMs / 1000).toFixed(1)} s` : '') : `, still busy after ${(step.settleMs / 1000).toFixed(1)} s`) +
    (step.serverRuntime ? `, ${describeRuntime(step.serverRuntime)}` : '') +
    (machineStall ? `, ${machineStall}` : '') +
    (step.passed ? '' : ` FAILED: ${step.failure}`)
  );
}

/** The machine's 1/5/15-minute load before a run: other work on the two cores shows here. */
export function loadAverage(): number[] {
  return loadavg().map((n) => Math.round(n * 100) / 100);
}
