import type { Redis } from 'ioredis';
import type { LoadFleet } from '../load/load-fleet.js';
import type { ChildRegistry } from '../process/child-registry.js';
import { rssBytes } from '../process/proc-stats.js';
import { startGatewaySystem, type GatewayBus } from '../systems/gateway-system.js';
import { startPeerSystem } from '../systems/peer-systems.js';
import type { RunningSystem, SystemName } from '../systems/system.js';
import { measureStep, type MachineProbes, sleep, type StepLimits, type StepResult } from './measure-step.js';
import { checkOneSubscribePerChannel, deleteKeysWithPrefix, type PubsubCheck } from './redis-checks.js';
import { planSockets, type SocketPlan } from './socket-plan.js';

export interface HarnessContext {
  registry: ChildRegistry;
  fleet: LoadFleet;
  redis: Redis;
  redisUrl: string;
  /** The shared Redis's process (when its CPU can be read here, see `localRedisPid`) and the stall meter, read in every step. */
  probes: MachineProbes;
  runId: string;
  gatewayBus: GatewayBus;
  log: (line: string) => void;
}

export interface SetupResult {
  sockets: number;
  opened: number;
  failed: number;
  connectErrors: string[];
  connectSeconds: number;
  /** Deliveries of the last warm-up round over those expected: 1 means every subscription is live. */
  warmupDeliveryRatio: number;
  warmupRounds: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPerSocketBytes: number;
  /** RSS once the sockets have sat idle for IDLE_RSS_WAIT_MS more: what an idle server holds, without the burst's transient. */
  rssIdleBytes?: number;
  rssIdlePerSocketBytes?: number;
  pubsub?: PubsubCheck;
}

/** RSS per socket as the target judges it: after the idle wait, or after the warm-up in results that predate that reading. */
export function idleRssPerSocket(setup: SetupResult): number {
  return setup.rssIdlePerSocketBytes ?? setup.rssPerSocketBytes;
}

export interface SystemSession {
  system: RunningSystem;
  plan: SocketPlan;
  setup: SetupResult;
  /** One step at a fixed offered rate (deliveries/s). */
  step(offered: number, limits: StepLimits): Promise<StepResult>;
  end(): Promise<void>;
}

const WARMUP_ROUNDS = 3;
/** How long the sockets sit idle, after the first RSS reading, before the second. */
export const IDLE_RSS_WAIT_MS = 10_000;

/**
 * Starts a system, opens and subscribes the sockets, proves every subscription delivers (warm-up
 * rounds of one message per group) and records the memory and Redis subscriptions that cost.
 */
export async function openSession(
  ctx: HarnessContext,
  name: SystemName,
  label: string,
  shape: { sockets: number; groupSize: number; instances?: number; crossInstance?: boolean; resumable?: boolean },
): Promise<SystemSession> {
  const redisPrefix = `bench-${ctx.runId}-${label}-${name}`;
  const options = { redisPrefix, redisUrl: ctx.redisUrl, instances: shape.instances ?? 1 };
  const system = name === 'gateway' ? await startGatewaySystem(ctx.registry, { ...options, bus: ctx.gatewayBus }) : await startPeerSystem(name, ctx.registry, options);
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    await ctx.fleet.closeSockets().catch((error: unknown) => ctx.log(`closing sockets failed: ${String(error)}`));
    await system.stop();
    await deleteKeysWithPrefix(ctx.redis, `${redisPrefix}:`);
  };
  try {
    const subscriberPid = system.instances[0]!.child.pid!;
    await sleep(1000);
    const rssBeforeBytes = rssBytes(subscriberPid);
    const plan = await planSockets(system, shape.sockets, shape.groupSize, {
      ...(shape.crossInstance ? { subscribeOn: 0, senderInstance: 1 } : {}),
      resumable: shape.resumable,
    });
    const connectStarted = performance.now();
    const connected = await ctx.fleet.connect(plan.specs, 15 * 60_000);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    ctx.log(`  ${name}: ${connected.opened}/${plan.specs.length} sockets in ${connectSeconds.toFixed(1)} s${connected.failed ? `, failures: ${connected.errors.join('; ')}` : ''}`);
    if (connected.opened === 0) throw new Error(`no socket connected: ${connected.errors.join('; ')}`);
    await sleep(1000);

    let closes = 0;
    let warmupDeliveryRatio = 0;
    let warmupRounds = 0;
    const warmupLimits: StepLimits = { durationMs: 1000, maxDrainMs: 10_000, p99LimitMs: Number.POSITIVE_INFINITY };
    while (warmupRounds < WARMUP_ROUNDS && warmupDeliveryRatio < 1) {
      warmupRounds++;
      // At least one send per worker: a lone group must still get a message from each of them.
      const offered = Math.max(plan.groupIds.length, ctx.fleet.size) * (shape.sockets / plan.groupIds.length);
      const warmup = await measureStep(ctx.fleet, system, plan, offered, warmupLimits, closes, ctx.probes);
      closes += warmup.unexpectedCloses;
      warmupDeliveryRatio = warmup.expected > 0 ? warmup.received / warmup.expected : 0;
      if (warmupDeliveryRatio < 1) await sleep(2000);
    }
    ctx.log(`  ${name}: warm-up delivered ${(warmupDeliveryRatio * 100).toFixed(2)} % after ${warmupRounds} round(s)`);
    await sleep(1000);
    const rssAfterBytes = rssBytes(subscriberPid);
    const { groupChannel } = system;
    const pubsub = groupChannel && (await checkOneSubscribePerChannel(ctx.redis, plan.groupIds.map(groupChannel), 1).catch(() => undefined));
    await sleep(IDLE_RSS_WAIT_MS);
    const rssIdleBytes = rssBytes(subscriberPid);
    const perSocket = (rss: number) => Math.round((rss - rssBeforeBytes) / Math.max(1, shape.sockets));

    const setup: SetupResult = {
      sockets: shape.sockets,
      opened: connected.opened,
      failed: connected.failed,
      connectErrors: connected.errors,
      connectSeconds: Math.round(connectSeconds * 10) / 10,
      warmupDeliveryRatio,
      warmupRounds,
      rssBeforeBytes,
      rssAfterBytes,
      rssPerSocketBytes: perSocket(rssAfterBytes),
      rssIdleBytes,
      rssIdlePerSocketBytes: perSocket(rssIdleBytes),
      pubsub,
    };
    return {
      system,
      plan,
      setup,
      async step(offered, limits) {
        const result = await measureStep(ctx.fleet, system, plan, offered, limits, closes, ctx.probes);
        closes += result.unexpectedCloses;
        return result;
      },
      end,
    };
  } catch (error) {
    await end();
    throw error;
  }
}

/**
 * Opens a session, hands it to `use`, and always ends it. A failure is logged and recorded on
 * `entry` rather than thrown, so one system's failure leaves the rest of the run to measure.
 */
export async function inSession(
  ctx: HarnessContext,
  name: SystemName,
  entry: { error?: string },
  open: () => Promise<SystemSession>,
  use: (session: SystemSession) => Promise<void>,
): Promise<void> {
  let session: SystemSession | undefined;
  try {
    session = await open();
    await use(session);
  } catch (error) {
    entry.error = String((error as Error).stack ?? error);
    ctx.log(`  ${name} failed: ${entry.error}`);
  } finally {
    await session?.end().catch((error: unknown) => ctx.log(`  ${name} stop failed: ${String(error)}`));
  }
}
