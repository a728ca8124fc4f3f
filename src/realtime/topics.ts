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

/**
 * Where an event stands in its channel: a group message's seq, one more than the message published
 * on the group's channel before it. Other events have no such place.
 */
export function positionInChannel(payload: unknown): number | undefined {
  const event = payload as Partial<GroupMessageEvent> | null;
  return event?.kind === 'message' && typeof event.message?.seq === 'number' ? event.message.seq : undefined;
}

/** How the append script's publication of a message begins, as UTF-8: its seq comes first. */
const MESSAGE_EVENT_START = Buffer.from('{"kind":"message","message":{"seq":');

/**
 * `positionInChannel` read straight from an event's JSON bytes, without decoding or parsing them,
 * when they begin as the append script writes them; undefined when they do not.
 */
export function positionInChannelJson(json: Uint8Array): number | undefined {
  const start = MESSAGE_EVENT_START.length;
  for (let index = 0; index < start; index++) if (json[index] !== MESSAGE_EVENT_START[index]) return undefined;
  let seq = 0;
  let index = start;
  for (; index < json.length; index++) {
    const digit = json[index]! - 48;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
  }
  return index > start && json[index] === 0x2c && Number.isSafeInteger(seq) ? seq : undefined;
}

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
