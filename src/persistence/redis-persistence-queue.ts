import type { Logger } from 'pino';
import { closeRedisConnection, createRedisConnection, redisReady } from '../redis/redis-connection.js';
import type { PersistenceQueue } from './persistence-queue.js';
import { PERSIST_MESSAGE_FIELD, isNoGroupError, persistenceKeys } from './redis-persistence-keys.js';
import { parseInfoList, parsePendingSummary } from './redis-stream-replies.js';

export interface RedisPersistenceQueueOptions {
  /** The Redis holding the stream (`REDIS_URL`). */
  url: string;
  /** Key prefix (`REDIS_PREFIX`); the stream is `<prefix>:persist`. */
  prefix: string;
  logger: Logger;
  /** A command without an answer within this time fails, default 2000 ms. */
  commandTimeoutMs?: number;
}

/**
 * The durable queue: a message is enqueued once Redis has appended it to the persistence stream,
 * and a worker (`createPersistenceWorker`, in any instance) stores it from there. With Redis down
 * `enqueue` fails at once, so the sender answers UNAVAILABLE instead of acking what it cannot keep.
 * How durable an appended entry is depends on Redis's own configuration (docs/durability.md).
 */
export function createRedisPersistenceQueue(options: RedisPersistenceQueueOptions): PersistenceQueue {
  const keys = persistenceKeys(options.prefix);
  const redis = createRedisConnection(options.url, {
    name: 'persistence-queue',
    logger: options.logger,
    commandTimeoutMs: options.commandTimeoutMs,
  });
  // Commands fail at once while Redis is down, but not before the first connection had its chance.
  const connected = redisReady(redis, options.commandTimeoutMs ?? 2000).catch(() => {});
  let closed = false;

  return {
    async enqueue(message) {
      if (closed) throw new Error('The persistence queue is closed.');
      await connected;
      await redis.xadd(keys.stream, '*', PERSIST_MESSAGE_FIELD, JSON.stringify(message));
    },

    async stats() {
      await connected;
      const [length, deadLetters] = await Promise.all([redis.xlen(keys.stream), redis.xlen(keys.deadLetters)]);
      let pending = 0;
      let lag: number | null = null;
      try {
        const [groups, summary] = await Promise.all([
          redis.call('XINFO', 'GROUPS', keys.stream),
          redis.call('XPENDING', keys.stream, keys.group),
        ]);
        pending = parsePendingSummary(summary).count;
        const group = parseInfoList(groups).find((info) => info.name === keys.group);
        // Redis leaves lag nil when it cannot tell (entries deleted from the middle of the stream).
        if (group && group.lag != null) lag = Number(group.lag);
      } catch (error) {
        // No worker has created the group yet: every entry is still to be stored.
        if (!isNoGroupError(error) && !(error instanceof Error && /no such key/i.test(error.message))) throw error;
      }
      return { depth: lag === null ? length : lag + pending, pending, length, deadLetters };
    },

    async close() {
      if (closed) return;
      closed = true;
      await closeRedisConnection(redis);
    },
  };
}
