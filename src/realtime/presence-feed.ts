import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { forbidden, unavailable } from '../errors.js';
import type { UserRef } from '../model.js';
import type { EventBus } from './event-bus.js';
import { createEventStream, type EventStream } from './event-stream.js';
import type { Topics, UserEvent } from './topics.js';

export interface PresenceFeedOptions {
  bus: EventBus;
  topics: Topics;
  chat: ChatRpcClient;
}

/** Members of a group coming online and going offline, for as long as the viewer is a member. */
export type PresenceFeed = (viewerId: string, groupId: string) => Promise<EventStream<UserRef>>;

export function createPresenceFeed(options: PresenceFeedOptions): PresenceFeed {
  const { bus, topics, chat } = options;
  return async (viewerId, groupId) => {
    const unsubscribes: Array<() => void> = [];
    const stream = createEventStream<UserRef>({ onClose: () => unsubscribes.splice(0).forEach((unsubscribe) => unsubscribe()) });
    // Listen before checking membership, so a leave between the two is not missed.
    unsubscribes.push(
      bus.subscribe(topics.user(viewerId), (event: UserEvent) => {
        if (event.kind === 'membership' && event.change === 'left' && event.groupId === groupId) stream.end();
      }),
      bus.subscribe(topics.groupPresence(groupId), (event) =>
        stream.push({ id: event.userId, online: event.online, lastSeenAt: event.lastSeenAt }),
      ),
    );
    try {
      await Promise.all([bus.ready(topics.user(viewerId)), bus.ready(topics.groupPresence(groupId))]).catch((error: unknown) => {
        throw Object.assign(unavailable('Subscribing failed; try again.'), { cause: error });
      });
      const { isMember } = await chat.checkMembership({ groupId, userId: viewerId });
      if (!isMember) throw forbidden('You are not a member of this group.');
    } catch (error) {
      await stream.return();
      throw error;
    }
    return stream;
  };
}
