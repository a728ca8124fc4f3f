import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { messageFromProto } from '../chat-rpc/mapping.js';
import { apiError, ErrorCode } from '../errors.js';
import type { ChatMessage } from '../model.js';
import type { MessageLog } from './message-log.js';

export interface MessageCatchUpOptions {
  messageLog: MessageLog;
  chat: Pick<ChatRpcClient, 'listMessages'>;
  /** Most messages replayed per group; a subscriber further behind must reload its history. Default 1000. */
  maxReplay?: number;
  /** Messages asked of the Chat service per call, default 200 (it serves at most 500). */
  pageSize?: number;
}

/**
 * What a resuming subscriber missed in one group: read from the message log, and completed from
 * the Chat service's storage when the log no longer holds all of it. Fails with RESYNC_REQUIRED
 * only when neither has every message, or there are too many to replay.
 */
export interface MessageCatchUp {
  /** The group's messages after `afterSeq`, oldest first, with no position skipped. */
  afterSeq(groupId: string, afterSeq: number): Promise<ChatMessage[]>;
  /**
   * The group's messages created at or after `since` (epoch ms), in seq order: for groups a cursor
   * of another group says nothing about but its time.
   */
  since(groupId: string, since: number): Promise<ChatMessage[]>;
}

export const resyncRequired = (reason: string) =>
  apiError(ErrorCode.ResyncRequired, 'The cursor is older than the history kept for resuming; reload the history and subscribe again.', {
    reason,
  });

export function createMessageCatchUp(options: MessageCatchUpOptions): MessageCatchUp {
  const { messageLog, chat } = options;
  const maxReplay = options.maxReplay ?? 1000;
  const pageSize = options.pageSize ?? 200;

  const tooMany = (messages: ChatMessage[]) => {
    if (messages.length > maxReplay) throw resyncRequired('TOO_FAR_BEHIND');
    return messages;
  };

  /** Stored messages with `afterSeq < seq < beforeSeq`, paging forwards. */
  const storedBetween = async (groupId: string, afterSeq: number, beforeSeq: number): Promise<ChatMessage[]> => {
    const found: ChatMessage[] = [];
    let from = afterSeq;
    while (found.length <= maxReplay) {
      // after_seq 0 means "the latest page" to the Chat service: ask for the first page below the log instead.
      const request = from === 0 ? { groupId, beforeSeq: Number.isFinite(beforeSeq) ? beforeSeq : 0, limit: pageSize } : { groupId, afterSeq: from, limit: pageSize };
      const { messages } = await chat.listMessages(request);
      for (const message of messages) {
        if (message.seq >= beforeSeq) return found;
        found.push(messageFromProto(message));
      }
      const last = messages.at(-1);
      if (messages.length < pageSize || !last || from === 0) return found;
      from = last.seq;
    }
    return found;
  };

  return {
    async afterSeq(groupId, afterSeq) {
      const recent = await messageLog.readAfter(groupId, afterSeq, maxReplay + 1);
      let messages = recent.messages;
      if (!recent.complete) {
        const stored = await storedBetween(groupId, afterSeq, recent.messages[0]?.seq ?? Infinity);
        messages = [...stored, ...recent.messages];
      }
      // Positions are dense: a hole is a message neither the log nor the storage has.
      let expected = afterSeq + 1;
      for (const message of messages) {
        if (message.seq !== expected++) throw resyncRequired('HISTORY_GAP');
      }
      return tooMany(messages);
    },

    async since(groupId, since) {
      const recent = await messageLog.readAfter(groupId, 0, Number.MAX_SAFE_INTEGER);
      const kept = recent.messages;
      const missed = kept.filter((message) => message.createdAt >= since);
      // The log reaches back before `since` (or to the group's start): it holds everything newer.
      if (recent.complete || missed.length < kept.length) return tooMany(missed);

      const firstKept = kept[0]?.seq;
      const stored: ChatMessage[] = [];
      let beforeSeq = firstKept ?? 0;
      for (;;) {
        const page = (await chat.listMessages({ groupId, beforeSeq, limit: pageSize })).messages.map(messageFromProto);
        if (beforeSeq === firstKept && page.at(-1)?.seq !== firstKept - 1) throw resyncRequired('HISTORY_GAP');
        const newer = page.filter((message) => message.createdAt >= since);
        stored.unshift(...newer);
        tooMany([...stored, ...missed]);
        const first = page[0];
        if (!first || newer.length < page.length || page.length < pageSize || first.seq <= 1) break;
        beforeSeq = first.seq;
      }
      return [...stored, ...missed];
    },
  };
}
