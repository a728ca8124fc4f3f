import type { Logger } from 'pino';
import type { PersistenceQueue } from '../persistence/persistence-queue.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Topics } from '../realtime/topics.js';
import type { MessageCommitter } from './message-committer.js';
import type { MessageDraft, MessageLog } from './message-log.js';
import { SentMessageWindow } from './sent-message-window.js';

export interface LocalMessageCommitterOptions {
  messageLog: MessageLog;
  queue: PersistenceQueue;
  bus: EventBus;
  topics: Topics;
  logger: Logger;
  /** How long a sender's repeated clientMessageId in a group answers the message already sent. */
  retryWindowMs: number;
}

/**
 * The single-process commit: the message log positions, the queue stores, the bus publishes. A
 * send that repeats its sender's clientMessageId in the group within the window commits nothing new.
 */
export function createLocalMessageCommitter(options: LocalMessageCommitterOptions): MessageCommitter {
  const { messageLog, queue, bus, topics, logger } = options;
  const sent = new SentMessageWindow({ windowMs: options.retryWindowMs });

  const commitNew = async (draft: MessageDraft) => {
    const message = await messageLog.append(draft);
    await queue.enqueue(message);
    // Stored durably from here on: a failed publish only delays delivery until subscribers resume.
    bus.publish(topics.group(message.groupId), { kind: 'message', message }).catch((error: unknown) => {
      logger.warn({ err: error, groupId: message.groupId }, 'publishing a stored message failed');
    });
    return message;
  };
  return {
    commit: (draft) => sent.once(draft, () => commitNew(draft)),
  };
}
