import type { ChildRegistry } from '../process/child-registry.js';
import { startNodeServer } from './start-node-server.js';
import type { Instance, RunningSystem, SystemName, SystemStartOptions } from './system.js';

/**
 * The two comparison systems: no auth, no membership, groups are just names. The tutorial puts every
 * message on one topic; the floor has one channel per group.
 */
export async function startPeerSystem(name: Exclude<SystemName, 'gateway'>, registry: ChildRegistry, options: SystemStartOptions): Promise<RunningSystem> {
  const script = name === 'tutorial' ? 'bench/peers/tutorial-server.ts' : 'bench/peers/floor-server.ts';
  const env = { REDIS_URL: options.redisUrl, REDIS_PREFIX: options.redisPrefix, NODE_ENV: 'production' };
  const instances: Instance[] = [];
  for (let i = 0; i < options.instances; i++) instances.push(await startNodeServer(registry, `${name}-${i}`, script, env, '/health'));
  let groupSeq = 0;
  return {
    name,
    instances,
    auxiliary: [],
    mode: name === 'tutorial' ? 'graphql-yoga + graphql-ws + graphql-redis-subscriptions (one topic, withFilter)' : 'plain ws, graphql-ws wire protocol, one Redis channel per group',
    notes: [],
    joinsGroups: false,
    async createGroups(count) {
      return Array.from({ length: count }, () => `g${++groupSeq}`);
    },
    tokenFor: async () => undefined,
    groupChannel: (groupId) => (name === 'tutorial' ? `${options.redisPrefix}:MESSAGES` : `${options.redisPrefix}:group:${groupId}`),
    async stop() {
      await Promise.all(instances.map((instance) => registry.stop(instance.child)));
    },
  };
}
