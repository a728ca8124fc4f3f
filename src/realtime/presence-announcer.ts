import type { Logger } from 'pino';
import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { listAllUserGroups } from '../messages/user-groups.js';
import type { EventBus } from './event-bus.js';
import type { PresenceChange } from './presence.js';
import type { Topics } from './topics.js';

export interface PresenceAnnouncerOptions {
  bus: EventBus;
  topics: Topics;
  chat: ChatRpcClient;
  logger: Logger;
}

export interface PresenceAnnouncer {
  announce(change: PresenceChange): void;
  /** Waits for announcements under way and drops later ones: the Chat client and bus close next. */
  close(): Promise<void>;
}

/**
 * Publishes a user's presence changes to each of their groups' presence channels. Transitions are
 * rare next to messages, so fanning out on publish keeps every subscriber on one channel per group.
 */
export function createPresenceAnnouncer(options: PresenceAnnouncerOptions): PresenceAnnouncer {
  const { bus, topics, chat, logger } = options;
  const underWay = new Set<Promise<void>>();
  let closed = false;
  return {
    announce(change) {
      if (closed) return;
      const announcement = (async () => {
        const groups = await listAllUserGroups(chat, change.userId);
        await Promise.all(groups.map((group) => bus.publish(topics.groupPresence(group.id), { kind: 'presence', ...change })));
      })()
        .catch((error: unknown) => logger.warn({ err: error, userId: change.userId }, 'announcing a presence change failed'))
        .finally(() => underWay.delete(announcement));
      underWay.add(announcement);
    },
    async close() {
      closed = true;
      await Promise.all(underWay);
    },
  };
}
