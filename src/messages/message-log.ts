import type { ChatMessage } from '../model.js';

export type MessageDraft = Omit<ChatMessage, 'seq'>;

/**
 * The message a draft becomes at position `seq`, built field by field. Not `{ ...draft, seq }`:
 * in the V8 of Node 20, an object spread followed by a property the source lacks takes a slow
 * path whose objects are promoted to the old generation even when they die at once, so every
 * message sent filled the old generation towards a full collection.
 */
export function messageAt(draft: MessageDraft, seq: number): ChatMessage {
  return {
    id: draft.id,
    groupId: draft.groupId,
    seq,
    sender: draft.sender,
    msgType: draft.msgType,
    content: draft.content,
    imageUrl: draft.imageUrl,
    clientMessageId: draft.clientMessageId,
    createdAt: draft.createdAt,
  };
}

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
