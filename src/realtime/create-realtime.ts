import type { Logger } from 'pino';
import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import type { Config } from '../config.js';
import { createLocalMessageCommitter } from '../messages/local-message-committer.js';
import type { MessageCommitter } from '../messages/message-committer.js';
import type { MessageLog } from '../messages/message-log.js';
import { createMemoryMessageLog } from '../messages/memory-message-log.js';
import { createAppendScript } from '../messages/redis-append-script.js';
import { createRedisMessageCommitter } from '../messages/redis-message-committer.js';
import { createRedisMessageLog } from '../messages/redis-message-log.js';
import type { PersistenceQueue } from '../persistence/persistence-queue.js';
import { closeRedisConnection, createRedisConnection, redisAnswers, redisReady } from '../redis/redis-connection.js';
import { createRedisKeys } from '../redis/redis-keys.js';
import type { EventBus } from './event-bus.js';
import { createMemoryEventBus } from './memory-event-bus.js';
import { createMemoryPresence } from './memory-presence.js';
import { createPresenceAnnouncer } from './presence-announcer.js';
import type { Presence } from './presence.js';
import { createRedisEventBus } from './redis-event-bus.js';
import { createRedisPresence } from './redis-presence.js';
import { positionInChannel, positionInChannelJson, type Topics } from './topics.js';

export interface RealtimeOptions {
  config: Config;
  chat: ChatRpcClient;
  /** Where the in-memory committer hands messages for storage; Redis mode writes its own stream. */
  queue: PersistenceQueue;
  topics: Topics;
  logger: Logger;
}

/** The parts that make several instances one service with Redis, or one process without it. */
export interface Realtime {
  bus: EventBus;
  messageLog: MessageLog;
  committer: MessageCommitter;
  presence: Presence;
  /** Dependency checks for `/ready`, by name. */
  readinessChecks: Record<string, () => Promise<boolean>>;
  close(): Promise<void>;
}

/**
 * With `REDIS_URL`: the Redis bus, log, presence, and a committer whose one script positions the
 * message, keeps it, adds it to the persistence stream and publishes it. Without: their in-memory
 * counterparts, with the committer handing messages to the in-memory queue.
 */
export async function createRealtime(options: RealtimeOptions): Promise<Realtime> {
  const { config, chat, queue, topics, logger } = options;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) {
      await closeOne().catch((error: unknown) => logger.error({ err: error }, 'closing a realtime part failed'));
    }
  };
  const onListenerError = (channel: string, error: unknown) => logger.error({ err: error, channel }, 'event listener failed');
  const lastStoredSeq = async (groupId: string) => (await chat.getLastSeq({ groupId })).lastSeq;

  try {
    if (!config.redisUrl) {
      const bus = createMemoryEventBus({ onListenerError });
      const messageLog = createMemoryMessageLog({ lastStoredSeq, maxPerGroup: config.messageLog.maxPerGroup });
      const announcer = createPresenceAnnouncer({ bus, topics, chat, logger });
      const presence = createMemoryPresence({ onChange: announcer.announce });
      closers.push(() => bus.close(), () => messageLog.close(), () => presence.close(), () => announcer.close());
      const committer = createLocalMessageCommitter({ messageLog, queue, bus, topics, logger, retryWindowMs: config.limits.sendRetryWindowMs });
      return { bus, messageLog, committer, presence, readinessChecks: {}, close };
    }

    const redisLogger = logger.child({ component: 'redis' });
    // One connection for commands, scripts and publishing; the bus adds one for subscribing.
    const redis = createRedisConnection(config.redisUrl, { name: 'gateway', logger: redisLogger });
    closers.push(() => closeRedisConnection(redis));
    await redisReady(redis, 10_000);
    const bus = createRedisEventBus({ url: config.redisUrl, logger: redisLogger, publisher: redis, onListenerError, positionOf: positionInChannel, positionOfJson: positionInChannelJson });
    closers.push(() => bus.close());
    const keys = createRedisKeys(config.redisPrefix);
    const append = createAppendScript({
      redis,
      keys,
      lastStoredSeq,
      maxPerGroup: config.messageLog.maxPerGroup,
      ttlMs: config.messageLog.ttlMs,
      retryWindowMs: config.limits.sendRetryWindowMs,
    });
    const messageLog = createRedisMessageLog({ redis, keys, append });
    const announcer = createPresenceAnnouncer({ bus, topics, chat, logger });
    const presence = createRedisPresence({
      redis,
      keys,
      logger: redisLogger,
      ttlMs: config.realtime.presenceTtlMs,
      onChange: announcer.announce,
    });
    closers.push(() => messageLog.close(), () => presence.close(), () => announcer.close());
    return {
      bus,
      messageLog,
      committer: createRedisMessageCommitter({ append, topics, bus }),
      presence,
      readinessChecks: { redis: () => redisAnswers(redis) },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
