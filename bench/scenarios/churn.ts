import { rssBytes } from '../process/proc-stats.js';
import { describe, loadAverage } from './fanout-workload.js';
import { sleep, type StepLimits, type StepResult } from './measure-step.js';
import { openSession, type HarnessContext, type SetupResult } from './system-session.js';

export interface ChurnShape {
  sockets: number;
  groupSize: number;
  seconds: number;
  /** Sockets replaced per second: one leaves and its user connects and subscribes again. */
  cyclesPerSecond: number;
  /** Messages keep flowing meanwhile, at this offered rate (deliveries/s). */
  deliveriesPerSecond: number;
}

export interface ChurnSample {
  seconds: number;
  rssBytes: number;
  heapUsedBytes?: number;
  sockets?: number;
}

export interface ChurnResult extends ChurnShape {
  mode?: string;
  setup?: SetupResult;
  cycles: number;
  failures: number;
  errors: string[];
  traffic?: StepResult;
  samples: ChurnSample[];
  /** Mean RSS over the last third of the run over that of the first third. */
  rssGrowth: number | null;
  /** The same for the V8 heap in use. */
  heapGrowth: number | null;
  error?: string;
  loadAverageAtStart: number[];
}

const SAMPLE_EVERY_MS = 5000;

/**
 * The gateway under constant churn: sockets leave and their users reconnect and resubscribe all
 * the time while messages flow; its RSS and heap are sampled throughout. Memory is flat when the
 * last third of the run holds no more than the first third did.
 */
export async function runChurn(ctx: HarnessContext, shape: ChurnShape): Promise<ChurnResult> {
  const result: ChurnResult = { ...shape, cycles: 0, failures: 0, errors: [], samples: [], rssGrowth: null, heapGrowth: null, loadAverageAtStart: loadAverage() };
  ctx.log(`churn: gateway, ${shape.sockets} sockets, ${shape.cyclesPerSecond} replaced/s for ${shape.seconds} s`);
  let session;
  try {
    session = await openSession(ctx, 'gateway', 'churn', { sockets: shape.sockets, groupSize: shape.groupSize });
    result.mode = session.system.mode;
    result.setup = session.setup;
    const instance = session.system.instances[0]!;
    const origin = instance.httpUrl.replace(/\/graphql$/, '');
    const durationMs = shape.seconds * 1000;
    const started = performance.now();
    const sample = async () => {
      const entry: ChurnSample = { seconds: Math.round((performance.now() - started) / 1000), rssBytes: rssBytes(instance.child.pid!) };
      Object.assign(entry, await gatewayGauges(origin));
      result.samples.push(entry);
    };
    await sample();
    await ctx.fleet.startChurn(shape.cyclesPerSecond, durationMs);
    const limits: StepLimits = { durationMs, maxDrainMs: 5000, p99LimitMs: Number.POSITIVE_INFINITY };
    const traffic = session.step(shape.deliveriesPerSecond, limits);
    while (performance.now() - started < durationMs) {
      await sleep(SAMPLE_EVERY_MS);
      await sample();
    }
    result.traffic = await traffic;
    const churned = await ctx.fleet.churnReport();
    Object.assign(result, { cycles: churned.cycles, failures: churned.failures, errors: churned.errors });
    result.rssGrowth = growth(result.samples.map((entry) => entry.rssBytes));
    const heap = result.samples.map((entry) => entry.heapUsedBytes).filter((value): value is number => value !== undefined);
    result.heapGrowth = heap.length === result.samples.length ? growth(heap) : null;
    ctx.log(`  churn: ${churned.cycles} sockets replaced (${churned.failures} failed); RSS ×${result.rssGrowth?.toFixed(2)}, heap ×${result.heapGrowth?.toFixed(2)} (last third over first); traffic ${describe(result.traffic)}`);
  } catch (error) {
    result.error = String((error as Error).stack ?? error);
    ctx.log(`  churn failed: ${result.error}`);
  } finally {
    await session?.end().catch((error: unknown) => ctx.log(`  churn stop failed: ${String(error)}`));
  }
  return result;
}

/** The gateway's heap in use (prom-client's default metrics) and open sockets. */
async function gatewayGauges(origin: string): Promise<Partial<ChurnSample>> {
  try {
    const [metrics, stats] = await Promise.all([
      fetch(`${origin}/metrics`).then((response) => response.text()),
      fetch(`${origin}/stats`).then((response) => response.json() as Promise<{ sockets?: number }>),
    ]);
    const heap = /^campushub_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(metrics);
    return { heapUsedBytes: heap ? Number(heap[1]) : undefined, sockets: stats.sockets };
  } catch {
    return {};
  }
}

function growth(values: number[]): number | null {
  const third = Math.floor(values.length / 3);
  if (third < 1) return null;
  const mean = (part: number[]) => part.reduce((sum, value) => sum + value, 0) / part.length;
  return mean(values.slice(-third)) / mean(values.slice(0, third));
}
