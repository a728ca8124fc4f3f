import type { LadderShape } from './scenarios/rate-ladder.js';
import type { ChurnShape } from './scenarios/churn.js';
import type { GatewayBus } from './systems/gateway-system.js';
import type { SystemName } from './systems/system.js';

export interface Workload {
  name: string;
  sockets: number;
  groupSize: number;
}

export interface BenchOptions {
  quick: boolean;
  systems: SystemName[];
  workloads: Workload[];
  /** The rates every system climbs (see `climbRateLadder`). */
  ladder: LadderShape;
  stepMs: number;
  maxDrainMs: number;
  p99LimitMs: number;
  /** Idle-memory runs (sockets); the 10,000 point comes from the groups-of-10 workload's setup. */
  idleMemorySockets: number[];
  crossInstance: { sockets: number; groupSize: number; rates: number[] } | null;
  /** The gateway under constant socket churn, for `--churn-seconds` (0: not run). */
  churn: ChurnShape | null;
  workers: number;
  gatewayBus: GatewayBus;
  redisUrl: string;
  /** With `--profile=DIR`: every server process writes a V8 CPU profile there when it stops. */
  profileDir?: string;
}

/**
 * `npm run bench -- [--quick] [--systems=gateway,floor] [--workloads=1k-10-groups] [--step-ms=5000]
 * [--workers=2] [--gateway-bus=auto|redis|memory] [--no-memory] [--no-cross] [--churn-seconds=300] [--profile=DIR] [--p99-limit-ms=200]`; each flag also reads
 * from BENCH_<NAME> (BENCH_QUICK=1, BENCH_STEP_MS=…). Quick is a smoke run: a tenth of the sockets,
 * short steps, a short ladder.
 */
export function parseOptions(argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--(no-)?([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    flags.set(match[2]!, match[1] ? 'false' : (match[3] ?? 'true'));
  }
  const get = (name: string) => flags.get(name) ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const bool = (name: string, fallback: boolean) => {
    const value = get(name);
    return value === undefined ? fallback : ['1', 'true', 'yes'].includes(value);
  };
  const num = (name: string, fallback: number) => {
    const value = get(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number ≥ 0`);
    return parsed;
  };

  const quick = bool('quick', false);
  const scale = quick ? 10 : 1;
  const allWorkloads: Workload[] = [
    { name: '1k-10-groups', sockets: 1000 / scale, groupSize: 100 / scale },
    { name: '10k-groups-of-10', sockets: 10_000 / scale, groupSize: 10 },
    { name: '5k-one-group', sockets: 5000 / scale, groupSize: 5000 / scale },
  ];
  const pick = <T extends { name: string } | string>(all: T[], flag: string): T[] => {
    const wanted = get(flag)?.split(',').map((s) => s.trim()).filter(Boolean);
    if (!wanted) return all;
    const nameOf = (item: T) => (typeof item === 'string' ? item : item.name);
    const unknown = wanted.filter((name) => !all.some((item) => nameOf(item) === name));
    if (unknown.length) throw new Error(`--${flag}: unknown ${unknown.join(', ')}`);
    return all.filter((item) => wanted.includes(nameOf(item)));
  };

  const gatewayBus = (get('gateway-bus') ?? 'auto') as GatewayBus;
  if (!['auto', 'redis', 'memory'].includes(gatewayBus)) throw new Error('--gateway-bus must be auto, redis or memory');
  return {
    quick,
    systems: pick<SystemName>(['gateway', 'tutorial', 'floor', 'wire'], 'systems'),
    workloads: pick(allWorkloads, 'workloads'),
    ladder: { start: num('ladder-start', 500), factor: num('ladder-factor', 2), maxSteps: num('ladder-steps', quick ? 5 : 12), refinements: num('ladder-refinements', quick ? 1 : 2), repeatWithin: num('ladder-repeat-within', 2) },
    stepMs: num('step-ms', quick ? 2000 : 5000),
    maxDrainMs: num('drain-ms', quick ? 3000 : 5000),
    p99LimitMs: num('p99-limit-ms', 200),
    idleMemorySockets: bool('memory', true) ? [20_000 / scale] : [],
    crossInstance: bool('cross', true) ? { sockets: 1000 / scale, groupSize: 100 / scale, rates: quick ? [1000] : [2000, 20_000] } : null,
    churn: num('churn-seconds', quick ? 30 : 300) > 0
      ? { sockets: 2000 / scale, groupSize: 10, seconds: num('churn-seconds', quick ? 30 : 300), cyclesPerSecond: 100 / scale, deliveriesPerSecond: 1000 / scale }
      : null,
    workers: num('workers', 2),
    gatewayBus,
    redisUrl: get('redis-url') ?? 'redis://127.0.0.1:6379',
    profileDir: get('profile'),
  };
}

/** Traffic stays on this machine: a Redis elsewhere is refused rather than benchmarked. */
export function assertLocalRedis(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the benchmark only talks to 127.0.0.1, not ${host}`);
}
