/**
 * `npm run bench`: the gateway, the tutorial stack, the floor and the wire on the same workloads, in
 * the same run, against the same local Redis. Writes bench/results/<run>.json, a chart and BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { LoadFleet } from './load/load-fleet.js';
import { assertLocalRedis, parseOptions } from './options.js';
import { createChildRegistry } from './process/child-registry.js';
import { compileProject } from './process/compile.js';
import { raiseFdLimit } from './process/fd-limit.js';
import { StallMeter } from './process/stall-meter.js';
import { renderChart } from './report/chart.js';
import { writeBenchmarksMarkdown } from './report/benchmarks-md.js';
import type { BenchResults } from './results.js';
import { runChurn } from './scenarios/churn.js';
import { runCrossInstance } from './scenarios/cross-instance.js';
import { loadAverage, runFanoutWorkload } from './scenarios/fanout-workload.js';
import { runIdleMemory } from './scenarios/idle-memory.js';
import { deleteKeysWithPrefix, localRedisPid } from './scenarios/redis-checks.js';
import type { HarnessContext } from './scenarios/system-session.js';

const root = resolve(import.meta.dirname, '..');
const resultsDir = join(root, 'bench', 'results');
/** Descriptors a server needs beside its sockets: Redis, gRPC, files, epoll. */
const FD_HEADROOM = 256;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  assertLocalRedis(options.redisUrl);
  const runId = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '') + (options.quick ? '-quick' : '');
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const fdLimit = raiseFdLimit(65_536);
  const runDir = join(root, 'bench', 'tmp', runId);
  const buildDir = join(runDir, 'build');
  log('compiling the project for the run');
  await compileProject(root, buildDir);
  const registry = createChildRegistry(root, runDir, buildDir, options.profileDir);
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();

  const results: BenchResults = {
    runId,
    startedAt: new Date().toISOString(),
    options,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      kernel: release(),
      fdLimit,
      loadAverageAtStart: loadAverage(),
      busyProcessesAtStart: busyProcesses(),
    },
    workloads: [],
    idleMemory: [],
    crossInstance: null,
    churn: null,
  };
  log(`run ${runId}: ${options.systems.join(', ')}; fd limit ${fdLimit.soft}; load ${results.machine.loadAverageAtStart.join(' ')}; logs in bench/tmp/${runId}`);

  const fleet = LoadFleet.start(registry, options.workers, runId);
  const redisPid = await localRedisPid(redis);
  if (redisPid === undefined) log("Redis's process is not visible from here: the steps go without its CPU");
  const stalls = StallMeter.start(registry);
  const ctx: HarnessContext = { registry, fleet, redis, redisUrl: options.redisUrl, probes: { redisPid, stalls }, runId, gatewayBus: options.gatewayBus, log };
  // Nothing may run unbounded: past this the run is abandoned and every child killed.
  const deadline = setTimeout(() => {
    log('the run exceeded its time limit; stopping');
    registry.killAll();
    process.exit(2);
  }, 60 * 60_000);
  deadline.unref();
  try {
    for (const workload of options.workloads) results.workloads.push(await runFanoutWorkload(ctx, options, workload));
    for (const wanted of options.idleMemorySockets) {
      // One server process holds every socket: it cannot hold more than its descriptor limit.
      const sockets = Math.min(wanted, Math.floor((fdLimit.soft - FD_HEADROOM) / 10) * 10);
      const result = await runIdleMemory(ctx, options, sockets);
      if (sockets < wanted) result.note = `${wanted.toLocaleString('en')} wanted; capped at ${sockets.toLocaleString('en')} by the per-process descriptor limit (${fdLimit.soft}, which this machine does not let even root raise)`;
      results.idleMemory.push(result);
    }
    if (options.crossInstance && options.systems.includes('gateway')) results.crossInstance = await runCrossInstance(ctx, options, options.crossInstance);
    if (options.churn && options.systems.includes('gateway')) results.churn = await runChurn(ctx, options.churn);
  } catch (error) {
    results.error = String((error as Error).stack ?? error);
    log(`run failed: ${results.error}`);
  } finally {
    results.finishedAt = new Date().toISOString();
    await fleet.stop(registry).catch(() => undefined);
    registry.killAll();
    // Sessions clean up after themselves; this catches one that died halfway.
    await deleteKeysWithPrefix(redis, `bench-${runId}-`).catch(() => undefined);
    await redis.quit().catch(() => undefined);
  }

  mkdirSync(resultsDir, { recursive: true });
  results.chart = `${runId}.png`;
  writeFileSync(join(resultsDir, results.chart), await renderChart(results));
  writeFileSync(join(resultsDir, `${runId}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeBenchmarksMarkdown(root, results);
  log(`wrote bench/results/${runId}.json, bench/results/${results.chart} and BENCHMARKS.md`);
  clearTimeout(deadline);
  process.exit(results.error ? 1 : 0);
}

function busyProcesses(): string[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => Number(line.split(/\s+/)[0]) >= 5)
      .slice(0, 10);
  } catch {
    return [];
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
