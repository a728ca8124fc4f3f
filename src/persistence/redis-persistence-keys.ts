import type { Redis } from 'ioredis';
import { PERSIST_MESSAGE_FIELD, createRedisKeys } from '../redis/redis-keys.js';

export { PERSIST_MESSAGE_FIELD };

/**
 * Where the Redis persistence queue lives. The stream and its field are shared with the Redis
 * message committer, which XADDs to the stream inside its commit script, so they come from the
 * one list of Redis keys.
 */
export interface PersistenceKeys {
  /** The stream of messages waiting to be stored: one field `message`, the JSON of a ChatMessage. */
  stream: string;
  /** Entries that failed every delivery, kept for an operator to inspect and replay. */
  deadLetters: string;
  /** The consumer group every worker reads the stream in. */
  group: string;
}

export const PERSIST_CONSUMER_GROUP = 'savers';

export function persistenceKeys(prefix: string): PersistenceKeys {
  return { stream: createRedisKeys(prefix).persist, deadLetters: `${prefix}:persist:dead`, group: PERSIST_CONSUMER_GROUP };
}

/** Creates the consumer group (and the stream) unless it exists; from id 0 so no earlier entry is skipped. */
export async function ensureConsumerGroup(redis: Redis, keys: PersistenceKeys): Promise<void> {
  try {
    await redis.call('XGROUP', 'CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
  }
}

/** Whether a Redis error says the stream or its group is gone (a flushed or replaced Redis). */
export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}
