import type { Redis } from 'ioredis';
import type { ChatMessage } from '../model.js';
import { PERSIST_MESSAGE_FIELD, type RedisKeys } from '../redis/redis-keys.js';
import type { MessageLog } from './message-log.js';
import type { AppendMessage } from './redis-append-script.js';

export interface RedisMessageLogOptions {
  redis: Redis;
  keys: RedisKeys;
  /** The append script shared with the committer. */
  append: AppendMessage;
  /** Kept messages `find` looks through, newest first; default 200. */
  findDepth?: number;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Recent messages of every group, kept in Redis streams shared by all instances. `append` positions
 * and keeps a message without persisting or publishing it; in Redis mode the committer does all
 * three at once, with the same script.
 */
export function createRedisMessageLog(options: RedisMessageLogOptions): MessageLog {
  const { redis, keys } = options;
  const findDepth = options.findDepth ?? 200;

  return {
    append: (draft) => options.append(draft, { persist: false }),

    async readAfter(groupId, afterSeq, limit) {
      const results = await redis
        .multi()
        .get(keys.seq(groupId))
        .xrange(keys.log(groupId), '-', '+', 'COUNT', 1)
        .xrange(keys.log(groupId), `(${afterSeq}-0`, '+', 'COUNT', Math.max(0, Math.min(limit, Number.MAX_SAFE_INTEGER)))
        .exec();
      if (!results) throw new Error('The message log read was aborted.');
      for (const [error] of results) if (error) throw error;
      const counter = results[0]![1] as string | null;
      const first = (results[1]![1] as StreamEntry[])[0];
      const entries = results[2]![1] as StreamEntry[];
      const lastSeq = counter === null ? undefined : Number(counter);
      const firstSeq = first ? seqOf(first) : undefined;
      // Without a counter nothing is known here (expired, or Redis lost it): the caller asks the Chat service.
      const complete = lastSeq !== undefined && (afterSeq >= lastSeq || (firstSeq !== undefined && firstSeq <= afterSeq + 1));
      return { messages: entries.map(messageOf), complete };
    },

    async find(groupId, messageId) {
      // Best effort: recent messages only; older ones come from the Chat service.
      const entries = (await redis.xrevrange(keys.log(groupId), '+', '-', 'COUNT', findDepth)) as StreamEntry[];
      for (const entry of entries) {
        const message = messageOf(entry);
        if (message.id === messageId) return message;
      }
      return undefined;
    },

    // The connection belongs to the services, which close it.
    async close() {},
  };
}

function seqOf([id]: StreamEntry): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function messageOf([, fields]: StreamEntry): ChatMessage {
  const at = fields.indexOf(PERSIST_MESSAGE_FIELD);
  return JSON.parse(fields[at + 1]!) as ChatMessage;
}
