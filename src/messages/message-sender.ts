import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer.js';
import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { forbidden, rateLimited, unavailable } from '../errors.js';
import type { ChatMessage } from '../model.js';
import type { PersistenceQueue } from '../persistence/persistence-queue.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Topics } from '../realtime/topics.js';
import type { UserDirectory } from '../users/user-directory.js';
import type { MessageLog } from './message-log.js';
import { validateMessageInput, type SendMessageInput } from './message-input.js';

export interface MessageSenderOptions {
  chat: ChatRpcClient;
  users: UserDirectory;
  messageLog: MessageLog;
  queue: PersistenceQueue;
  bus: EventBus;
  topics: Topics;
  limiter: RateLimiter;
  logger: Logger;
  onSent?: (message: ChatMessage, ackMs: number) => void;
}

export interface MessageSender {
  /** Validates, positions, queues for storage and publishes a message; resolving is the ack. */
  send(viewer: Viewer, input: SendMessageInput): Promise<ChatMessage>;
}

export function createMessageSender(options: MessageSenderOptions): MessageSender {
  const { chat, users, messageLog, queue, bus, topics, limiter, logger } = options;

  return {
    async send(viewer, input) {
      const started = performance.now();
      const decision = limiter.take(viewer.id);
      if (!decision.allowed) {
        throw rateLimited(`Too many messages; try again in ${decision.retryAfterMs} ms.`, decision.retryAfterMs);
      }
      const valid = validateMessageInput(input);
      const [{ isMember }, senderName] = await Promise.all([
        chat.checkMembership({ groupId: valid.groupId, userId: viewer.id }),
        users.displayName(viewer),
      ]);
      if (!isMember) throw forbidden('You are not a member of this group.');

      const message = await messageLog.append({
        id: randomUUID(),
        groupId: valid.groupId,
        sender: { id: viewer.id, name: senderName },
        msgType: valid.msgType,
        content: valid.content,
        imageUrl: valid.imageUrl,
        clientMessageId: valid.clientMessageId,
        createdAt: Date.now(),
      });
      try {
        await queue.enqueue(message);
      } catch (error) {
        logger.error({ err: error, groupId: message.groupId }, 'persistence queue refused a message');
        throw unavailable('The message could not be stored durably; it was not sent. Try again.');
      }
      // Stored durably from here on: a failed publish only delays delivery until subscribers resume.
      bus.publish(topics.group(message.groupId), { kind: 'message', message }).catch((error: unknown) => {
        logger.warn({ err: error, groupId: message.groupId }, 'publishing a stored message failed');
      });
      options.onSent?.(message, performance.now() - started);
      return message;
    },
  };
}
