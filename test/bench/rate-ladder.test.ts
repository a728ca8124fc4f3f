import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../bench/scenarios/measure-step.js';
import { climbRateLadder, failedOnTailAlone } from '../../bench/scenarios/rate-ladder.js';

const LIMIT = 200;
const shape = { start: 1000, factor: 2, maxSteps: 6, refinements: 2, repeatWithin: 2 };

/** A step with the figures the ladder reads: what was sent, delivered, acked, and the p99. */
function step(offered: number, p99: number, faults: Partial<Pick<StepResult, 'lost' | 'errored' | 'unacked' | 'unexpectedCloses'>> = {}): StepResult {
  const result = { offeredDeliveriesPerSecond: offered, attempted: 100, errored: 0, unacked: 0, lost: 0, unexpectedCloses: 0, latencyMs: { p99 }, ...faults };
  return { ...result, passed: p99 <= LIMIT && Object.values(faults).every((n) => n === 0) } as unknown as StepResult;
}

/** Runs the ladder against answers given per call, in order; answers which rates were measured. */
async function climb(answers: Array<(offered: number) => StepResult>, ladder = shape) {
  const steps: StepResult[] = [];
  await climbRateLadder(ladder, LIMIT, async (offered) => {
    const answer = answers[steps.length];
    if (!answer) throw new Error(`no answer for step ${steps.length + 1} at ${offered}/s`);
    const result = answer(offered);
    steps.push(result);
    return result;
  });
  return steps;
}

const pass = (offered: number) => step(offered, 20);
const slowTail = (offered: number) => step(offered, 230);
const overloaded = (offered: number) => step(offered, 1800);

describe('the rate ladder', () => {
  it('doubles until a rate fails, then refines between the last pass and the first failure', async () => {
    const steps = await climb([pass, pass, overloaded, pass, overloaded]);
    expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 2000, 4000, 2828, 3364]);
  });

  it('measures a rate again when its step failed on its tail alone, and goes on when the repeat passes', async () => {
    const steps = await climb([pass, slowTail, pass, overloaded, pass, pass]);
    expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 2000, 2000, 4000, 2828, 3364]);
    expect(steps[1]!.passedOnRepeat).toBe(true);
    expect(steps.filter((s) => s.passedOnRepeat)).toHaveLength(1);
  });

  it('fails a rate whose repeat fails too, and marks nothing', async () => {
    const steps = await climb([pass, slowTail, slowTail, pass, pass]);
    expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 2000, 2000, 1414, 1682]);
    expect(steps.some((s) => s.passedOnRepeat)).toBe(false);
  });

  it('does not repeat a rate that lost, failed or left unacked anything, or whose p99 was far over', async () => {
    for (const faults of [{ lost: 3 }, { errored: 1 }, { unacked: 2 }, { unexpectedCloses: 1 }]) {
      const steps = await climb([pass, (offered) => step(offered, 20, faults), pass, pass]);
      expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 2000, 1414, 1682]);
    }
    const steps = await climb([pass, overloaded, pass, pass]);
    expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 2000, 1414, 1682]);
  });

  it('judges every rate on one step when repeats are off', async () => {
    const steps = await climb([pass, slowTail, pass, pass], { ...shape, repeatWithin: 0 });
    expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 2000, 1414, 1682]);
  });

  it('goes below the first rate when that fails, repeats included', async () => {
    const steps = await climb([slowTail, slowTail, pass, overloaded, pass]);
    expect(steps.map((s) => Math.round(s.offeredDeliveriesPerSecond))).toEqual([1000, 1000, 500, 707, 595]);
  });
});

describe('a failure on the tail alone', () => {
  it('is a failed step with everything delivered and acked, p99 over the limit and within the factor', () => {
    expect(failedOnTailAlone(step(1000, 230), LIMIT, 2)).toBe(true);
    expect(failedOnTailAlone(step(1000, 400), LIMIT, 2)).toBe(true);
    expect(failedOnTailAlone(step(1000, 401), LIMIT, 2)).toBe(false);
    expect(failedOnTailAlone(step(1000, 150), LIMIT, 2)).toBe(false);
    expect(failedOnTailAlone(step(1000, 230, { lost: 1 }), LIMIT, 2)).toBe(false);
    expect(failedOnTailAlone({ ...step(1000, 230), attempted: 0 }, LIMIT, 2)).toBe(false);
  });
});
