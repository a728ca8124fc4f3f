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
import { createMemoryPersistenceQueue } from './persistence/memory-persistence-queue.js';
import type { PersistenceQueue } from './persistence/persistence-queue.js';
import { createRateLimiter } from './rate-limiter.js';
import type { EventBus } from './realtime/event-bus.js';
import { createMemoryEventBus } from './realtime/memory-event-bus.js';
import { createMemoryPresence } from './realtime/memory-presence.js';
import { createMessageFeed, type MessageFeed } from './realtime/message-feed.js';
import type { Presence } from './realtime/presence.js';
import { createTopics, type Topics } from './realtime/topics.js';
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
      const store = createStore(config);
      const embedded = createChatService({ store, host: '127.0.0.1', port: 0, logger: logger.child({ component: 'chat-service' }) });
      ({ address: chatAddress } = await embedded.start());
      closers.push(() => embedded.stop());
      logger.info({ address: chatAddress }, 'embedded Chat service started');
    }
    const chat = createChatRpcClient({ address: chatAddress, deadlineMs: config.chat.deadlineMs });
    closers.push(async () => chat.close());

    const metrics = createMetrics();
    const topics = createTopics(config.redisPrefix);
    const bus = createMemoryEventBus({
      onListenerError: (channel, error) => logger.error({ err: error, channel }, 'event listener failed'),
    });
    closers.push(() => bus.close());
    const messageLog = createMemoryMessageLog({
      lastStoredSeq: async (groupId) => (await chat.getLastSeq({ groupId })).lastSeq,
    });
    closers.push(() => messageLog.close());
    const queue = createMemoryPersistenceQueue({
      save: async (message) => {
        await chat.saveMessage({ message: messageToProto(message) });
      },
      logger: logger.child({ component: 'persistence' }),
      onSaved: (ms) => metrics.saveDuration.observe(ms / 1000),
      onRetry: (message, attempt, error) => {
        metrics.saveRetries.inc();
        logger.warn({ err: error, messageId: message.id, attempt }, 'saving a message failed; retrying');
      },
      onDeadLetter: () => metrics.deadLetters.inc(),
    });
    // Registered first-closed-last: the queue drains while the Chat client is still open.
    closers.push(() => queue.close());
    const presence = createMemoryPresence();
    closers.push(() => presence.close());
    const users = createUserDirectory({ chat });

    const sender = createMessageSender({
      chat,
      users,
      committer: createLocalMessageCommitter({ messageLog, queue, bus, topics, logger }),
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
      async readiness() {
        const chatReady = await chat.waitForReady(1000).then(
          () => true,
          () => false,
        );
        return { chat: chatReady };
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
