import type { ChatMessage } from '../model.js';
import { messageAt, type MessageDraft, type MessageLog } from './message-log.js';

export interface MemoryMessageLogOptions {
  /** The highest position already stored for a group, asked once per group so positions continue. */
  lastStoredSeq: (groupId: string) => Promise<number>;
  /** Messages kept per group, default 1000. */
  maxPerGroup?: number;
  /** Groups whose recent messages are kept, least recently written dropped first; default 10,000. */
  maxGroups?: number;
}

interface GroupLog {
  lastSeq: number;
  recent: ChatMessage[];
}

/** The single-process message log: positions from a counter per group, recent messages in memory. */
export function createMemoryMessageLog(options: MemoryMessageLogOptions): MessageLog {
  const maxPerGroup = options.maxPerGroup ?? 1000;
  const maxGroups = options.maxGroups ?? 10_000;
  const groups = new Map<string, Promise<GroupLog>>();

  const groupLog = (groupId: string): Promise<GroupLog> => {
    let log = groups.get(groupId);
    if (log) {
      // Map order doubles as recency order for eviction.
      groups.delete(groupId);
      groups.set(groupId, log);
      return log;
    }
    log = options.lastStoredSeq(groupId).then((lastSeq) => ({ lastSeq, recent: [] }));
    log.catch(() => groups.delete(groupId));
    groups.set(groupId, log);
    if (groups.size > maxGroups) {
      // An evicted group reseeds from the Chat service: that is only safe once its messages are
      // stored, which the persistence queue guarantees long before this many other groups write.
      const oldest = groups.keys().next().value as string;
      groups.delete(oldest);
    }
    return log;
  };

  return {
    async append(draft: MessageDraft) {
      const log = await groupLog(draft.groupId);
      const message = messageAt(draft, ++log.lastSeq);
      log.recent.push(message);
      if (log.recent.length > maxPerGroup) log.recent.splice(0, log.recent.length - maxPerGroup);
      return message;
    },
    async readAfter(groupId, afterSeq, limit) {
      const log = await groupLog(groupId);
      const { recent } = log;
      const first = recent[0];
      const complete = afterSeq >= log.lastSeq || (first !== undefined && first.seq <= afterSeq + 1);
      let start = recent.length;
      while (start > 0 && recent[start - 1]!.seq > afterSeq) start--;
      return { messages: recent.slice(start, start + limit), complete };
    },
    async find(groupId, messageId) {
      const log = await groups.get(groupId);
      return log?.recent.findLast((message) => message.id === messageId);
    },
    async close() {
      groups.clear();
    },
  };
}
