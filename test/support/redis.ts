import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The shared test Redis (nothing on disk). Tests keep to their own prefix on it and never restart it. */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses. */
export const uniquePrefix = (kind = 't') => `${kind}-${randomUUID()}`;

/** Deletes every key under the prefix, so a test leaves the shared Redis as it found it. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
