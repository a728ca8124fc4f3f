import type { ChatMessage } from '../model.js';

export type MessageDraft = Omit<ChatMessage, 'seq'>;

export interface RecentMessages {
  /** Messages after the asked position, oldest first. */
  messages: ChatMessage[];
  /**
   * False when the log no longer holds every message after the asked position: the caller must
   * fill the gap from the Chat service's history.
   */
  complete: boolean;
}

/**
 * Where a group's messages get their position, and where recent ones are kept so that a
 * subscriber resuming from a cursor catches up without a round trip to the Chat service.
 */
export interface MessageLog {
  /** Assigns the message the next position in its group and keeps it. */
  append(draft: MessageDraft): Promise<ChatMessage>;
  /** Kept messages with a position above `afterSeq`, oldest first, at most `limit`. */
  readAfter(groupId: string, afterSeq: number, limit: number): Promise<RecentMessages>;
  /** A kept message of the group by id; undefined when it is not (or no longer) kept. */
  find(groupId: string, messageId: string): Promise<ChatMessage | undefined>;
  close(): Promise<void>;
}
