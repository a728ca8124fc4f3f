import type { Logger } from 'pino';
import { createChatRpcClient, type ChatRpcClient } from './chat-rpc/chat-client.js';
import { messageToProto } from './chat-rpc/mapping.js';
import { createStore } from './chat-service/create-store.js';
import { createChatService } from './chat-service/server.js';
import type { Config } from './config.js';
import { createMemoryMessageLog } from './messages/memory-message-log.js';
import { createLocalMessageCommitter } from './messages/local-message-committer.js';
import { createMessageSender, type MessageSender } from './messages/message-sender.js';
import type { MessageLog } from './messages/message-log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createPersistence } from './persistence/create-persistence.js';
import type { PersistenceQueue } from './persistence/persistence-queue.js';
import { createRateLimiter } from './rate-limiter.js';
import type { EventBus } from './realtime/event-bus.js';
import { createMemoryEventBus } from './realtime/memory-event-bus.js';
import { createMemoryPresence } from './realtime/memory-presence.js';
import { createMessageFeed, type MessageFeed } from './realtime/message-feed.js';
import type { Presence } from './realtime/presence.js';
import { createPresenceAnnouncer } from './realtime/presence-announcer.js';
import { createPresenceFeed, type PresenceFeed } from './realtime/presence-feed.js';
import { createRedisEventBus } from './realtime/redis-event-bus.js';
import { createRedisPresence } from './realtime/redis-presence.js';
import { createTopics, type Topics } from './realtime/topics.js';
import type { MessageCommitter } from './messages/message-committer.js';
import { createAppendScript } from './messages/redis-append-script.js';
import { createRedisMessageCommitter } from './messages/redis-message-committer.js';
import { createRedisMessageLog } from './messages/redis-message-log.js';
import { closeRedisConnection, createRedisConnection, redisAnswers, redisReady } from './redis/redis-connection.js';
import { createRedisKeys } from './redis/redis-keys.js';
import { createUserDirectory, type UserDirectory } from './users/user-directory.js';
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js';

/** Everything resolvers and transports use, assembled once per server. */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  tokens: TokenVerifier;
  chat: ChatRpcClient;
  users: UserDirectory;
  bus: EventBus;
  topics: Topics;
  messageLog: MessageLog;
  queue: PersistenceQueue;
  presence: Presence;
  sender: MessageSender;
  feed: MessageFeed;
  presenceFeed: PresenceFeed;
  /** Whether each dependency answers, for `/ready`. */
  readiness(): Promise<Record<string, boolean>>;
  close(): Promise<void>;
}

/**
 * Connects to (or starts) the Chat service and builds the in-process parts. With no CHAT_GRPC_URL
 * the reference Chat service runs in this process, behind a real gRPC hop on loopback.
 */
export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const closers: Array<() => Promise<void>> = [];
  try {
    let chatAddress = config.chat.url;
    if (!chatAddress) {
      const { store } = await createStore(config);
      closers.push(() => store.close());
      const embedded = createChatService({ store, host: '127.0.0.1', port: 0, logger: logger.child({ component: 'chat-service' }) });
      ({ address: chatAddress } = await embedded.start());
      closers.push(() => embedded.stop());
      logger.info({ address: chatAddress }, 'embedded Chat service started');
    }
    const chat = createChatRpcClient({ address: chatAddress, deadlineMs: config.chat.deadlineMs });
    closers.push(async () => chat.close());

    const metrics = createMetrics();
    const topics = createTopics(config.redisPrefix);
    const onListenerError = (channel: string, error: unknown) => logger.error({ err: error, channel }, 'event listener failed');
    const lastStoredSeq = async (groupId: string) => (await chat.getLastSeq({ groupId })).lastSeq;
    // In Redis mode the committer adds messages to the persistence stream itself: nothing is
    // enqueued through `queue`, which then only serves its stats and the worker.
    const persistence = createPersistence({
      config,
      save: async (message) => {
        await chat.saveMessage({ message: messageToProto(message) });
      },
      logger,
      metrics,
    });
    // Registered first-closed-last: the queue drains while the Chat client is still open.
    closers.push(() => persistence.close());
    const queue = persistence.queue;

    const readinessChecks: Record<string, () => Promise<boolean>> = {};
    let bus: EventBus;
    let messageLog: MessageLog;
    let presence: Presence;
    let committer: MessageCommitter;
    if (config.redisUrl) {
      const redisLogger = logger.child({ component: 'redis' });
      // One connection for commands, scripts and publishing; the bus adds one for subscribing.
      const redis = createRedisConnection(config.redisUrl, { name: 'gateway', logger: redisLogger });
      closers.push(() => closeRedisConnection(redis));
      await redisReady(redis, 10_000);
      readinessChecks.redis = () => redisAnswers(redis);
      bus = createRedisEventBus({ url: config.redisUrl, logger: redisLogger, publisher: redis, onListenerError });
      closers.push(() => bus.close());
      const keys = createRedisKeys(config.redisPrefix);
      const append = createAppendScript({ redis, keys, lastStoredSeq, maxPerGroup: config.messageLog.maxPerGroup, ttlMs: config.messageLog.ttlMs });
      messageLog = createRedisMessageLog({ redis, keys, append });
      // Takes the place of queue.enqueue: the script itself adds the message to the persistence stream.
      committer = createRedisMessageCommitter({ append, topics });
      presence = createRedisPresence({
        redis,
        keys,
        logger: redisLogger,
        ttlMs: config.realtime.presenceTtlMs,
        onChange: createPresenceAnnouncer({ bus, topics, chat, logger }),
      });
    } else {
      bus = createMemoryEventBus({ onListenerError });
      closers.push(() => bus.close());
      messageLog = createMemoryMessageLog({ lastStoredSeq, maxPerGroup: config.messageLog.maxPerGroup });
      committer = createLocalMessageCommitter({ messageLog, queue, bus, topics, logger });
      presence = createMemoryPresence({ onChange: createPresenceAnnouncer({ bus, topics, chat, logger }) });
    }
    closers.push(() => messageLog.close());
    closers.push(() => presence.close());
    const users = createUserDirectory({ chat });

    const sender = createMessageSender({
      chat,
      users,
      committer,
      limiter: createRateLimiter({ ratePerSecond: config.limits.sendRatePerSecond, burst: config.limits.sendBurst }),
      logger,
      onSent: (message, ackMs) => {
        metrics.messagesSent.inc({ msg_type: message.msgType });
        metrics.sendDuration.observe(ackMs / 1000);
      },
    });

    return {
      config,
      logger,
      metrics,
      tokens: createTokenVerifier(config.auth),
      chat,
      users,
      bus,
      topics,
      messageLog,
      queue,
      presence,
      sender,
      feed: createMessageFeed({ bus, topics, messageLog, chat }),
      presenceFeed: createPresenceFeed({ bus, topics, chat }),
      async readiness() {
        const checks: Record<string, () => Promise<boolean>> = {
          chat: () =>
            chat.waitForReady(1000).then(
              () => true,
              () => false,
            ),
          ...readinessChecks,
        };
        const names = Object.keys(checks);
        const results = await Promise.all(names.map((name) => checks[name]!()));
        return Object.fromEntries(names.map((name, i) => [name, results[i]!]));
      },
      close: () => closeAll(closers, logger),
    };
  } catch (error) {
    await closeAll(closers, logger);
    throw error;
  }
}

async function closeAll(closers: Array<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    await close().catch((error: unknown) => logger.error({ err: error }, 'closing a service failed'));
  }
}
