import { startGateway, type TestGateway } from '../support/gateway.js';
import { startSharedChatService } from './support.js';
import { SHARED_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.js';

export interface TestCluster {
  prefix: string;
  redisUrl: string;
  chatAddress: string;
  /** The environment every instance of the cluster runs with. */
  env: Record<string, string>;
  gateways: TestGateway[];
  /** Starts one more instance (its own env on top of the cluster's). */
  add(env?: Record<string, string>): Promise<TestGateway>;
  stop(): Promise<void>;
}

/**
 * Gateway instances as a deployment runs them: one Redis (under a prefix of their own) and one
 * Chat service, shared by all.
 */
export async function startCluster(options: { instances?: number; redisUrl?: string; env?: Record<string, string> } = {}): Promise<TestCluster> {
  const prefix = uniquePrefix();
  const redisUrl = options.redisUrl ?? SHARED_REDIS_URL;
  const chat = await startSharedChatService();
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, CHAT_GRPC_URL: chat.address, ...options.env };
  const gateways: TestGateway[] = [];
  const cluster: TestCluster = {
    prefix,
    redisUrl,
    chatAddress: chat.address,
    env,
    gateways,
    async add(extra = {}) {
      const gateway = await startGateway({ ...env, ...extra });
      gateways.push(gateway);
      return gateway;
    },
    async stop() {
      await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
      await chat.stop();
      if (redisUrl === SHARED_REDIS_URL) await deletePrefix(redisUrl, prefix);
    },
  };
  try {
    for (let i = 0; i < (options.instances ?? 2); i++) await cluster.add();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
