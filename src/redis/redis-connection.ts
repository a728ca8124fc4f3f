import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST and in logs: which part of the gateway holds the connection. */
  name: string;
  logger: Logger;
  /**
   * Queue commands while disconnected and send them on reconnect, default false: a command made
   * while Redis is down fails at once, so a request fails fast (UNAVAILABLE) instead of hanging.
   * Subscriber connections turn it on so that SUBSCRIBE waits for the connection.
   */
  offlineQueue?: boolean;
  /**
   * A command that gets no answer within this time fails, default 2000 ms; 0 for none. Subscriber
   * connections use none: a SUBSCRIBE queued while Redis is down must stay queued, not time out.
   */
  commandTimeoutMs?: number;
}

/** An ioredis connection that reconnects forever with capped backoff and logs its state changes. */
export function createRedisConnection(url: string, options: RedisConnectionOptions): Redis {
  const logger = options.logger.child({ redis: options.name });
  const redis = new Redis(url, {
    connectionName: options.name,
    enableOfflineQueue: options.offlineQueue ?? false,
    commandTimeout: options.commandTimeoutMs === 0 ? undefined : (options.commandTimeoutMs ?? 2000),
    maxRetriesPerRequest: options.offlineQueue ? null : 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
  return redis;
}

/** Waits until the connection is ready (or fails after `timeoutMs`). */
export function redisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Whether Redis answers a PING within `timeoutMs`, for readiness checks. */
export async function redisAnswers(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([redis.ping().then((answer) => answer === 'PONG', () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a connection politely (QUIT), or drops it when Redis does not answer. */
export async function closeRedisConnection(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}
