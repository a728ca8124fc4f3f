import type { ChatRpcClient } from '../chat-rpc/chat-client.js';
import { messageFromProto } from '../chat-rpc/mapping.js';
import type { ChatMessage } from '../model.js';
import type { MessageLog } from './message-log.js';

export const DEFAULT_HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 200;

/**
 * A page of a group's history, oldest first: the Chat service's stored messages, completed with
 * the recent ones that are acked but still on their way to storage.
 */
export async function readHistory(
  chat: ChatRpcClient,
  messageLog: MessageLog,
  groupId: string,
  beforeSeq: number | undefined,
  last: number,
): Promise<ChatMessage[]> {
  const [stored, recent] = await Promise.all([
    chat.listMessages({ groupId, beforeSeq: beforeSeq ?? 0, limit: last }),
    messageLog.readAfter(groupId, 0, Number.MAX_SAFE_INTEGER),
  ]);
  const bySeq = new Map<number, ChatMessage>();
  for (const message of stored.messages) bySeq.set(message.seq, messageFromProto(message));
  for (const message of recent.messages) {
    if (beforeSeq === undefined || message.seq < beforeSeq) bySeq.set(message.seq, message);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-last);
}
