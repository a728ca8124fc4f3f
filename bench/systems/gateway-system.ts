import { randomBytes } from 'node:crypto';
import { signDevToken } from '../../src/auth/dev-token.js';
import { CREATE_GROUP_MUTATION } from '../load/operations.js';
import type { ChildRegistry } from '../process/child-registry.js';
import { freePort } from '../process/free-port.js';
import { readRuntime } from './runtime-metrics.js';
import { startNodeServer } from './start-node-server.js';
import type { Instance, RunningSystem, SystemStartOptions } from './system.js';

export type GatewayBus = 'auto' | 'redis' | 'memory';

/**
 * The gateway as it is deployed: `src/main.ts` as a child process, with the reference Chat service in
 * a process of its own so that both instances of the cross-instance run share one system of record.
 * `auto` runs it on Redis and falls back to the in-memory bus (one instance only) if that fails.
 */
export async function startGatewaySystem(registry: ChildRegistry, options: SystemStartOptions & { bus: GatewayBus }): Promise<RunningSystem> {
  const chatPort = await freePort();
  const chat = registry.startNode('chat-service', 'src/chat-service/main.ts', {
    NODE_ENV: 'production',
    CHAT_GRPC_PORT: String(chatPort),
    CHAT_GRPC_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  await waitForGrpcPort(chatPort, () => chat.exitCode !== null);

  const notes: string[] = [];
  // As deployed (and as the peers run): production mode, which wants a real secret of its own.
  const jwtSecret = randomBytes(32).toString('hex');
  const baseEnv = {
    NODE_ENV: 'production',
    JWT_SECRET: jwtSecret,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CHAT_GRPC_URL: `127.0.0.1:${chatPort}`,
    REDIS_PREFIX: options.redisPrefix,
    // The benchmark measures fan-out, not the per-user send limit.
    SEND_RATE_PER_SECOND: '1000000000',
    SEND_BURST: '1000000000',
    MAX_CONNECTIONS: '1000000',
  };
  const startAll = async (env: Record<string, string>) => {
    const instances: Instance[] = [];
    try {
      for (let i = 0; i < options.instances; i++) instances.push(await startNodeServer(registry, `gateway-${i}`, 'src/main.ts', env, '/ready'));
    } catch (error) {
      await Promise.all(instances.map((instance) => registry.stop(instance.child)));
      throw error;
    }
    return instances;
  };

  let instances: Instance[];
  let mode: string;
  try {
    if (options.bus === 'memory') throw new Error('in-memory bus requested');
    instances = await startAll({ ...baseEnv, REDIS_URL: options.redisUrl });
    mode = 'Redis event bus (REDIS_URL), Chat service in its own process';
  } catch (error) {
    if (options.bus === 'redis' || options.instances > 1) {
      await registry.stop(chat);
      throw error;
    }
    notes.push(`REDIS_URL mode did not start (${(error as Error).message.slice(0, 200)}): ran on the in-memory bus instead.`);
    instances = await startAll(baseEnv);
    mode = 'in-memory event bus (REDIS_URL mode failed to start), Chat service in its own process';
  }

  const owner = 'bench-owner';
  const ownerToken = await signDevToken({ userId: owner, name: 'Bench owner', secret: jwtSecret });
  let groupSeq = 0;
  return {
    name: 'gateway',
    instances,
    auxiliary: [chat],
    mode,
    notes,
    joinsGroups: true,
    async createGroups(count) {
      const ids: string[] = new Array(count);
      let next = 0;
      const lane = async () => {
        while (next < count) {
          const index = next++;
          ids[index] = await createGroup(instances[0]!.httpUrl, ownerToken, `bench ${++groupSeq}`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, lane));
      return ids;
    },
    tokenFor: (userId) => signDevToken({ userId, name: `User ${userId}`, secret: jwtSecret }),
    groupChannel: (groupId) => `${options.redisPrefix}:group:${groupId}`,
    readRuntime: () => readRuntime(instances[0]!.httpUrl),
    async stop() {
      await Promise.all(instances.map((instance) => registry.stop(instance.child, 10_000)));
      await registry.stop(chat);
    },
  };
}

async function createGroup(url: string, token: string, name: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CREATE_GROUP_MUTATION, variables: { name } }),
  });
  const body = (await response.json()) as { data?: { createGroup: { id: string } }; errors?: unknown };
  if (!body.data) throw new Error(`createGroup failed: ${JSON.stringify(body.errors)}`);
  return body.data.createGroup.id;
}

/** The Chat service speaks only gRPC: ready once its port accepts connections. */
async function waitForGrpcPort(port: number, exited: () => boolean): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('the Chat service exited at start');
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the Chat service did not open its port');
}

