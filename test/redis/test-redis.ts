import { Redis } from 'ioredis';
import { afterAll, vi } from 'vitest';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Connections to the shared Redis for a test file, and the keys it wrote: all dropped once the
 * file's tests are done.
 */
export function redisForTests() {
  const connections: Redis[] = [];
  const keys: string[] = [];
  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    for (const redis of connections) redis.disconnect();
  });
  return {
    /** A connection that gives up at once when Redis goes away. */
    async connect(options: { enableOfflineQueue?: boolean } = {}) {
      const redis = new Redis(REDIS_URL, { ...options, lazyConnect: true, retryStrategy: () => null });
      connections.push(redis);
      await redis.connect();
      return redis;
    },
    /** An unconnected connection, closed with the others. */
    track(redis: Redis) {
      connections.push(redis);
      return redis;
    },
    /** Remembers a key to delete. */
    key(key: string) {
      keys.push(key);
      return key;
    },
  };
}

/** Counts what reaches the socket's own write (one syscall each), however many writes were buffered. */
export function countWrites(redis: Redis) {
  const socket = redis.stream as unknown as { _write: () => void; _writev: () => void };
  const writes = [vi.spyOn(socket, '_write'), vi.spyOn(socket, '_writev')];
  return () => writes.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
}
