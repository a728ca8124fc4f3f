import type { ChatMessage, ChatNotification } from '../model.js';

/**
 * The event bus's channels and what travels on each: one channel per group and one per user, so an
 * instance subscribes only to what its own sockets need.
 *
 * Other services publish notifications as JSON on `<prefix>:user:<userId>`:
 * `{ "kind": "notification", "notification": { "id", "userId", "type", "title", "content", "createdAt" } }`
 * with `createdAt` in epoch milliseconds.
 */

export interface GroupMessageEvent {
  kind: 'message';
  message: ChatMessage;
}

export type GroupEvent = GroupMessageEvent;

export interface NotificationEvent {
  kind: 'notification';
  notification: ChatNotification;
}

/** The user joined or left a group: all-groups subscriptions add or drop it, per-group ones end. */
export interface MembershipEvent {
  kind: 'membership';
  groupId: string;
  change: 'joined' | 'left';
}

/** The user logged in on `connectionId`; with single sessions, every other socket closes. */
export interface SessionStartedEvent {
  kind: 'session-started';
  connectionId: string;
}

export type UserEvent = NotificationEvent | MembershipEvent | SessionStartedEvent;

/** A member of the group came online or went offline (`lastSeenAt` in epoch milliseconds). */
export interface PresenceEvent {
  kind: 'presence';
  userId: string;
  online: boolean;
  lastSeenAt: number;
}

export type Channel<T> = string & { readonly __payload?: T };

export interface Topics {
  group(groupId: string): Channel<GroupEvent>;
  user(userId: string): Channel<UserEvent>;
  /**
   * Presence changes of a group's members, apart from its messages: only presenceChanged
   * subscribers listen, and a change is published once per group of the user.
   */
  groupPresence(groupId: string): Channel<PresenceEvent>;
}

export function createTopics(prefix: string): Topics {
  return {
    group: (groupId) => `${prefix}:group:${groupId}`,
    user: (userId) => `${prefix}:user:${userId}`,
    groupPresence: (groupId) => `${prefix}:group-presence:${groupId}`,
  };
}
