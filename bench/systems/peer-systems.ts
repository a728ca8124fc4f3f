import type { ChildRegistry } from '../process/child-registry.js';
import { startNodeServer } from './start-node-server.js';
import type { Instance, RunningSystem, SystemName, SystemStartOptions } from './system.js';

/** What each comparison system runs and how the report describes it. */
const PEERS = {
  tutorial: { script: 'bench/peers/tutorial-server.ts', mode: 'graphql-yoga + graphql-ws + graphql-redis-subscriptions (one topic, withFilter)' },
  floor: { script: 'bench/peers/floor-server.ts', mode: 'plain ws, graphql-ws wire protocol, one Redis channel per group' },
  wire: { script: 'bench/peers/wire-server.ts', mode: 'plain ws, graphql-ws wire protocol, no Redis, frames built once and written straight to each socket' },
} as const;

/**
 * The comparison systems: no auth, no membership, groups are just names. The tutorial puts every
 * message on one topic; the floor has one channel per group; the wire keeps each message in the
 * process that received it.
 */
export async function startPeerSystem(name: Exclude<SystemName, 'gateway'>, registry: ChildRegistry, options: SystemStartOptions): Promise<RunningSystem> {
  const { script, mode } = PEERS[name];
  const env = { REDIS_URL: options.redisUrl, REDIS_PREFIX: options.redisPrefix, NODE_ENV: 'production' };
  const instances: Instance[] = [];
  for (let i = 0; i < options.instances; i++) instances.push(await startNodeServer(registry, `${name}-${i}`, script, env, '/health'));
  let groupSeq = 0;
  return {
    name,
    instances,
    auxiliary: [],
    mode,
    notes: [],
    joinsGroups: false,
    async createGroups(count) {
      return Array.from({ length: count }, () => `g${++groupSeq}`);
    },
    tokenFor: async () => undefined,
    groupChannel: name === 'wire' ? undefined : (groupId) => (name === 'tutorial' ? `${options.redisPrefix}:MESSAGES` : `${options.redisPrefix}:group:${groupId}`),
    async stop() {
      await Promise.all(instances.map((instance) => registry.stop(instance.child)));
    },
  };
}
