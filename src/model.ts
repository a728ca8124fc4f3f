/**
 * The gateway's own shapes of what it handles, shared by the schema, the event bus and the
 * persistence queue. They are plain JSON-safe objects: the same value is published, queued and
 * resolved without conversion.
 */

export type MessageKind = 'TEXT' | 'IMAGE';

export interface UserRef {
  id: string;
  /** Absent when only the id is at hand: the schema then loads it, batched per request. */
  name?: string;
  /** Presence as an event reported it; absent: the schema asks presence. */
  online?: boolean;
  /** Epoch milliseconds, as an event reported it; absent: the schema asks presence. */
  lastSeenAt?: number | null;
}

export interface ChatMessage {
  id: string;
  groupId: string;
  /** Position in the group: unique and only growing. */
  seq: number;
  sender: UserRef;
  msgType: MessageKind;
  content: string | null;
  imageUrl: string | null;
  clientMessageId: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface ChatNotification {
  id: string;
  /** Who receives it. */
  userId: string;
  type: string;
  title: string;
  content: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface ChatGroup {
  id: string;
  name: string;
  /** The viewer's unread count, when it came with the group. */
  unreadCount?: number;
}
