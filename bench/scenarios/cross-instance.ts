import type { BenchOptions } from '../options.js';
import type { StepLimits, StepResult } from './measure-step.js';
import { describe, loadAverage } from './fanout-workload.js';
import { openSession, type HarnessContext, type SetupResult } from './system-session.js';

export interface CrossInstanceResult {
  sockets: number;
  groupSize: number;
  mode?: string;
  setup?: SetupResult;
  steps: StepResult[];
  error?: string;
  loadAverageAtStart: number[];
}

/**
 * Two gateway instances on one Redis and one Chat service: every subscriber on the first, every
 * sender on the second, so each delivery crosses Redis between processes.
 */
export async function runCrossInstance(ctx: HarnessContext, options: BenchOptions, shape: { sockets: number; groupSize: number; rates: number[] }): Promise<CrossInstanceResult> {
  const result: CrossInstanceResult = { sockets: shape.sockets, groupSize: shape.groupSize, steps: [], loadAverageAtStart: loadAverage() };
  const limits: StepLimits = { durationMs: options.stepMs, maxDrainMs: options.maxDrainMs, p99LimitMs: options.p99LimitMs };
  ctx.log('cross-instance: gateway x2');
  let session;
  try {
    session = await openSession({ ...ctx, gatewayBus: 'redis' }, 'gateway', 'cross', { ...shape, instances: 2, crossInstance: true });
    result.mode = session.system.mode;
    result.setup = session.setup;
    for (const rate of shape.rates) {
      const step = await session.step(rate, limits);
      result.steps.push(step);
      ctx.log(`  cross-instance ${describe(step)}`);
    }
  } catch (error) {
    result.error = String((error as Error).stack ?? error);
    ctx.log(`  cross-instance failed: ${result.error}`);
  } finally {
    await session?.end().catch((error: unknown) => ctx.log(`  cross-instance stop failed: ${String(error)}`));
  }
  return result;
}
