import { sentMessageKey } from '../messages/sent-message-window.js';

/**
 * Names of the gateway's Redis keys, all under one prefix so several deployments (or test runs)
 * share a Redis without meeting. Pub/sub channels are named by `Topics`.
 */
export interface RedisKeys {
  /** A group's position counter: the last seq handed out. */
  seq(groupId: string): string;
  /** A group's recent messages, a stream whose entry ids are `<seq>-0`. */
  log(groupId: string): string;
  /**
   * Every committed message on its way to the Chat service: a stream whose entries carry one field,
   * `message`, the ChatMessage as JSON. The persistence worker reads it with the consumer group
   * `savers`.
   */
  persist: string;
  /**
   * What a sender's clientMessageId in a group was first sent as, for as long as repeating it
   * answers that message: `<seq> <createdAt> <id>`.
   */
  sentMessage(senderId: string, groupId: string, clientMessageId: string): string;
  /** A user's connections: a sorted set of connection id → when it expires (epoch ms). */
  presenceConnections(userId: string): string;
  /** When the user was last connected (epoch ms). */
  presenceLastSeen(userId: string): string;
  /** Users with connections: a sorted set of user id → when their last connection expires. */
  presenceDeadlines: string;
}

/** The field of a persistence stream entry that holds the message. */
export const PERSIST_MESSAGE_FIELD = 'message';

export function createRedisKeys(prefix: string): RedisKeys {
  return {
    seq: (groupId) => `${prefix}:seq:${groupId}`,
    log: (groupId) => `${prefix}:log:${groupId}`,
    persist: `${prefix}:persist`,
    sentMessage: (senderId, groupId, clientMessageId) => `${prefix}:sent:${sentMessageKey(senderId, groupId, clientMessageId)}`,
    presenceConnections: (userId) => `${prefix}:presence:conn:${userId}`,
    presenceLastSeen: (userId) => `${prefix}:presence:seen:${userId}`,
    presenceDeadlines: `${prefix}:presence:deadlines`,
  };
}
