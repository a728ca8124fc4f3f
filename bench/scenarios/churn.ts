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
  /** The heap in use just after the gateway's latest full collection (its own gauge); 0 before the first. */
  heapAfterFullGcBytes?: number;
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
  /** Mean RSS over the last third of the run over that of the middle third (the first is warm-up). */
  rssGrowth: number | null;
  /**
   * The heap's floor in the last third over that of the middle third: the lowest heap in use just
   * after a full collection, which a leak raises. Runs without that gauge take the lowest heap in
   * use sampled, which is off by what was allocated since the collection before it (up to a tenth).
   */
  heapGrowth: number | null;
  error?: string;
  loadAverageAtStart: number[];
}

/** Often enough for the RSS's mean, and for runs without the gauge, a sample within a second or so of each full collection. */
const SAMPLE_EVERY_MS = 1000;

/**
 * The gateway under constant churn: sockets leave and their users reconnect and resubscribe all
 * the time while messages flow; its RSS and heap are sampled throughout. Memory is flat when, past
 * the first third (where the process grows to its working size), the last third holds no more
 * than the middle one.
 */
export async function runChurn(ctx: HarnessContext, shape: ChurnShape): Promise<ChurnResult> {
  const result: ChurnResult = { ...shape, cycles: 0, failures: 0, errors: [], samples: [], rssGrowth: null, heapGrowth: null, loadAverageAtStart: loadAverage() };
  ctx.log(`churn: gateway, ${shape.sockets} sockets, ${shape.cyclesPerSecond} replaced/s for ${shape.seconds} s`);
  let session;
  try {
    session = await openSession(ctx, 'gateway', 'churn', { sockets: shape.sockets, groupSize: shape.groupSize, resumable: true });
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
    // The churn itself keeps the gateway busy: the traffic starts with it, not after it.
    const limits: StepLimits = { durationMs, maxDrainMs: 5000, p99LimitMs: Number.POSITIVE_INFINITY, waitForIdle: false };
    const traffic = session.step(shape.deliveriesPerSecond, limits);
    while (performance.now() - started < durationMs) {
      await sleep(SAMPLE_EVERY_MS);
      await sample();
    }
    result.traffic = await traffic;
    const churned = await ctx.fleet.churnReport();
    Object.assign(result, { cycles: churned.cycles, failures: churned.failures, errors: churned.errors });
    Object.assign(result, churnGrowth(result.samples));
    ctx.log(`  churn: ${churned.cycles} sockets replaced (${churned.failures} failed); RSS ×${result.rssGrowth?.toFixed(2)}, heap floor ×${result.heapGrowth?.toFixed(2)} (last third over middle); traffic ${describe(result.traffic)}`);
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
    const gauge = (name: string) => {
      const value = new RegExp(`^campushub_${name} (\\d+(?:\\.\\d+)?)`, 'm').exec(metrics)?.[1];
      return value === undefined ? undefined : Number(value);
    };
    return { heapUsedBytes: gauge('nodejs_heap_size_used_bytes'), heapAfterFullGcBytes: gauge('nodejs_heap_used_after_major_gc_bytes'), sockets: stats.sockets };
  } catch {
    return {};
  }
}

/** How much the last third of a churn run holds over the middle third: RSS by mean, heap by floor. */
export function churnGrowth(samples: ChurnSample[]): { rssGrowth: number | null; heapGrowth: number | null } {
  const third = Math.floor(samples.length / 3);
  if (third < 1) return { rssGrowth: null, heapGrowth: null };
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(-third);
  const mean = (part: ChurnSample[]) => part.reduce((sum, sample) => sum + sample.rssBytes, 0) / part.length;
  const afterFullGc = (part: ChurnSample[]) => part.flatMap((sample) => (sample.heapAfterFullGcBytes ? [sample.heapAfterFullGcBytes] : []));
  const exact = afterFullGc(middle).length > 0 && afterFullGc(last).length > 0;
  const floor = (part: ChurnSample[]) => Math.min(...(exact ? afterFullGc(part) : part.map((sample) => sample.heapUsedBytes ?? Number.NaN)));
  const heapGrowth = floor(last) / floor(middle);
  return { rssGrowth: mean(last) / mean(middle), heapGrowth: Number.isFinite(heapGrowth) ? heapGrowth : null };
}
