import type { StepResult } from './measure-step.js';

export interface LadderShape {
  /** First offered rate (deliveries/s). */
  start: number;
  /** Factor between the ladder's rates. */
  factor: number;
  /** Rates climbed at most, before any refinement. */
  maxSteps: number;
  /** Steps between the last rate passed and the first failed, each at their geometric mean. */
  refinements: number;
  /**
   * A step that failed on its tail alone, with p99 up to this multiple of the limit, is measured
   * once more at the same rate (0: never). Nearer the limit than that, one stall of the host can
   * decide a step; beyond it, the system was overloaded.
   */
  repeatWithin: number;
}

/**
 * Whether a failed step is worth measuring again at the same rate: it failed on its tail alone
 * (everything was sent, delivered and acked) and not by much. On a shared host the same step's p99
 * ranges over tens of milliseconds from one run to the next, so a rate is judged on two such steps.
 */
export function failedOnTailAlone(step: StepResult, p99LimitMs: number, within: number): boolean {
  return (
    !step.passed &&
    step.attempted > 0 &&
    step.errored === 0 &&
    step.unexpectedCloses === 0 &&
    step.lost === 0 &&
    step.unacked === 0 &&
    step.latencyMs.p99 > p99LimitMs &&
    step.latencyMs.p99 <= p99LimitMs * within
  );
}

/**
 * Offered rates multiplied by the factor until a rate fails, refined between the last rate passed
 * and the first failed; when the first rate fails, lower ones until one passes. A rate fails when
 * its step fails and, if that step failed on its tail alone, its repeat fails too: a repeat that
 * passes marks the failed step `passedOnRepeat`. `p99LimitMs` is the p99 a step may reach and
 * pass. Every step goes through `run`, in order.
 */
export async function climbRateLadder(shape: LadderShape, p99LimitMs: number, run: (offered: number) => Promise<StepResult>): Promise<void> {
  const passes = async (offered: number) => {
    const step = await run(offered);
    if (step.passed) return true;
    if (!failedOnTailAlone(step, p99LimitMs, shape.repeatWithin)) return false;
    const repeat = await run(offered);
    if (repeat.passed) step.passedOnRepeat = true;
    return repeat.passed;
  };

  let passed: number | undefined;
  let failed: number | undefined;
  for (let offered = shape.start, i = 0; i < shape.maxSteps && failed === undefined; i++, offered *= shape.factor) {
    if (await passes(offered)) passed = offered;
    else failed = offered;
  }
  // Below the first rate when even that failed, so every system has a peak to compare.
  for (let offered = shape.start / shape.factor, i = 0; passed === undefined && i < 3; i++, offered /= shape.factor) {
    if (await passes(offered)) passed = offered;
  }
  // Between the last pass and the first failure, geometrically, for a finer peak.
  for (let i = 0; i < shape.refinements && passed !== undefined && failed !== undefined; i++) {
    const offered = Math.sqrt(passed * failed);
    if (await passes(offered)) passed = offered;
    else failed = offered;
  }
}
