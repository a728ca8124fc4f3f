import type { Redis } from 'ioredis';
import { PERSIST_MESSAGE_FIELD, persistenceKeys } from './redis-persistence-keys.js';
import { parseEntries, parseEntry } from './redis-stream-replies.js';

export interface DeadLetter {
  /** The entry's id in the dead-letter stream: what `replay` takes. */
  id: string;
  /** Its id in the persistence stream when it failed. */
  entryId: string;
  messageId: string;
  groupId: string;
  attempts: number;
  /** The last failure, as the worker saw it. */
  error: string;
  /** Epoch milliseconds. */
  failedAt: number;
  /** The JSON of the ChatMessage, as it was queued. */
  message: string;
}

/** The operator's view of `<prefix>:persist:dead`: what failed, and sending it round again. */
export function createDeadLetters(redis: Redis, prefix: string) {
  const keys = persistenceKeys(prefix);
  const toDeadLetter = (id: string, fields: Record<string, string>): DeadLetter => ({
    id,
    entryId: fields.entryId ?? '',
    messageId: fields.messageId ?? '',
    groupId: fields.groupId ?? '',
    attempts: Number(fields.attempts ?? 0),
    error: fields.error ?? '',
    failedAt: Number(fields.failedAt ?? 0),
    message: fields[PERSIST_MESSAGE_FIELD] ?? '',
  });

  return {
    /** Oldest first, at most `limit` (default 1000). */
    async list(limit = 1000): Promise<DeadLetter[]> {
      const raw = await redis.xrange(keys.deadLetters, '-', '+', 'COUNT', limit);
      return parseEntries(raw).map((entry) => toDeadLetter(entry.id, entry.fields));
    },

    async count(): Promise<number> {
      return redis.xlen(keys.deadLetters);
    },

    /**
     * Puts the named dead letters (all of them when `ids` is empty) back onto the persistence
     * stream as new entries, with a fresh delivery count, and deletes them from the dead-letter
     * stream, each in one transaction. Answers the ids replayed; unknown ids are skipped.
     */
    async replay(ids: readonly string[] = []): Promise<string[]> {
      const targets = ids.length > 0 ? ids : (await this.list(Number.MAX_SAFE_INTEGER)).map((letter) => letter.id);
      const replayed: string[] = [];
      for (const id of targets) {
        const entry = parseEntry(((await redis.xrange(keys.deadLetters, id, id)) as unknown[])[0]);
        const message = entry?.fields[PERSIST_MESSAGE_FIELD];
        if (message === undefined) continue;
        const results = await redis
          .multi()
          .xadd(keys.stream, '*', PERSIST_MESSAGE_FIELD, message)
          .xdel(keys.deadLetters, id)
          .exec();
        const failed = results?.find(([error]) => error);
        if (!results || failed) throw failed?.[0] ?? new Error(`replaying ${id} was aborted`);
        replayed.push(id);
      }
      return replayed;
    },
  };
}

export type DeadLetters = ReturnType<typeof createDeadLetters>;
