/**
 * `npm run worker`: a persistence worker on its own, storing what the gateways queue in Redis
 * through the Chat service at `CHAT_GRPC_URL`. Run as many as needed; they share the stream through
 * the `savers` consumer group. `PERSISTENCE_CONSUMER_NAME` names this one (default host:pid:random).
 */
import { createChatRpcClient } from '../src/chat-rpc/chat-client.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { chatSaves } from '../src/persistence/chat-saves.js';
import { workerConsumerName } from '../src/persistence/create-persistence.js';
import { createPersistenceWorker } from '../src/persistence/redis-persistence-worker.js';

let config;
try {
  config = loadConfig(process.env, { verifiesTokens: false });
  const missing = [!config.redisUrl && 'REDIS_URL', !config.chat.url && 'CHAT_GRPC_URL'].filter(Boolean);
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name} is required by the worker`));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const logger = createLogger(config.logLevel).child({ component: 'persistence-worker' });
const chat = createChatRpcClient({ address: config.chat.url!, deadlineMs: config.chat.deadlineMs });
const consumerName = process.env.PERSISTENCE_CONSUMER_NAME?.trim() || workerConsumerName();
const worker = createPersistenceWorker({
  redisUrl: config.redisUrl!,
  prefix: config.redisPrefix,
  ...chatSaves(chat),
  logger,
  consumerName,
  retry: { maxAttempts: config.persistence.maxAttempts },
  claimIdleMs: config.persistence.claimIdleMs,
});
worker.start();
logger.info({ consumerName, prefix: config.redisPrefix, chat: config.chat.url }, 'persistence worker started');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal: stop at once; whatever is unacknowledged is taken over by another worker.
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'persistence worker stopping');
    worker.stop().then(
      () => {
        chat.close();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'persistence worker failed to stop cleanly');
        process.exit(1);
      },
    );
  });
}
