import type { Logger } from 'pino';
import { createChatRpcClient, type ChatRpcClient } from './chat-rpc/chat-client.js';
import { createStore } from './chat-service/create-store.js';
import { createChatService } from './chat-service/server.js';
import type { Config } from './config.js';
import { startIdleHeapCompaction, type IdleHeapCompaction } from './heap/idle-heap-compaction.js';
import { createMembershipCache, type MembershipCheck } from './messages/membership-cache.js';
import { createMessageSender, type MessageSender } from './messages/message-sender.js';
import type { MessageLog } from './messages/message-log.js';
import type { EventBus } from './realtime/event-bus.js';
import { createRealtime } from './realtime/create-realtime.js';
import { createMetrics, type Metrics } from './metrics.js';
import { chatSaves } from './persistence/chat-saves.js';
import { createPersistence } from './persistence/create-persistence.js';
import type { PersistenceQueue } from './persistence/persistence-queue.js';
import { createRateLimiter } from './rate-limiter.js';
import { createMessageFeed, type MessageFeed } from './realtime/message-feed.js';
import type { Presence } from './realtime/presence.js';
import { createPresenceFeed, type PresenceFeed } from './realtime/presence-feed.js';
import { createTopics, type Topics } from './realtime/topics.js';
import { createUserDirectory, type UserDirectory } from './users/user-directory.js';
import { createCachedTokenVerifier } from './auth/cached-token-verifier.js';
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.js';

/** Everything resolvers and transports use, assembled once per server. */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  tokens: TokenVerifier;
  chat: ChatRpcClient;
  users: UserDirectory;
  /** Memberships confirmed for sendMessage; forget one when the user leaves. */
  membership: MembershipCheck;
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
    if (config.heapCompactionBytes > 0) {
      const compaction = startHeapCompaction(config.heapCompactionBytes, metrics, logger);
      if (compaction) closers.push(async () => compaction.stop());
    }
    const topics = createTopics(config.redisPrefix);
    // In Redis mode the committer adds messages to the persistence stream itself: nothing is
    // enqueued through `queue`, which then only serves its stats and the worker.
    const persistence = createPersistence({
      config,
      ...chatSaves(chat),
      logger,
      metrics,
    });
    // Registered first-closed-last: the queue drains while the Chat client is still open.
    closers.push(() => persistence.close());
    const queue = persistence.queue;

    const realtime = await createRealtime({ config, chat, queue, topics, logger });
    closers.push(() => realtime.close());
    const { bus, messageLog, presence, committer } = realtime;
    const users = createUserDirectory({ chat });
    const membership = createMembershipCache({ chat, ttlMs: config.limits.membershipCacheMs });

    const sender = createMessageSender({
      membership,
      users,
      committer,
      limiter: createRateLimiter({ ratePerSecond: config.limits.sendRatePerSecond, burst: config.limits.sendBurst }),
      logger,
      onSent: (message, ackMs) => {
        metrics.messagesSent.inc({ msg_type: message.msgType });
        metrics.sendDuration.observe(ackMs / 1000);
      },
      onRepeated: () => metrics.messagesRepeated.inc(),
    });

    return {
      config,
      logger,
      metrics,
      tokens: createCachedTokenVerifier(createTokenVerifier(config.auth)),
      chat,
      users,
      membership,
      bus,
      topics,
      messageLog,
      queue,
      presence,
      sender,
      feed: createMessageFeed({ bus, topics, messageLog, chat, membership }),
      presenceFeed: createPresenceFeed({ bus, topics, chat }),
      async readiness() {
        const checks: Record<string, () => Promise<boolean>> = {
          chat: () =>
            chat.waitForReady(1000).then(
              () => true,
              () => false,
            ),
          ...realtime.readinessChecks,
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

/** Quiet-time heap compaction, with its metrics and a log line per compaction; undefined if V8 refuses it. */
function startHeapCompaction(growthBytes: number, metrics: Metrics, logger: Logger): IdleHeapCompaction | undefined {
  const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);
  try {
    return startIdleHeapCompaction({
      growthBytes,
      activity: () => metrics.deliveries.total(),
      onCompacted: ({ before, after, pauseMs }) => {
        metrics.heapCompactions.inc();
        metrics.heapCompactionPause.observe(pauseMs / 1000);
        logger.info(
          {
            committedMbBefore: megabytes(before.committedBytes),
            committedMbAfter: megabytes(after.committedBytes),
            usedMbBefore: megabytes(before.usedBytes),
            usedMbAfter: megabytes(after.usedBytes),
            pauseMs: Math.round(pauseMs),
          },
          'compacted the heap while quiet',
        );
      },
      onFailed: (error) => logger.warn({ err: error }, 'compacting the heap failed'),
    });
  } catch (error) {
    logger.warn({ err: error }, 'heap compaction is unavailable in this runtime; set HEAP_COMPACTION_MB=0 to silence this');
    return undefined;
  }
}

async function closeAll(closers: Array<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    await close().catch((error: unknown) => logger.error({ err: error }, 'closing a service failed'));
  }
}
