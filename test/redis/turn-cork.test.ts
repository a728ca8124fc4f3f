import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTurnCork } from '../../src/redis/turn-cork.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connections: Redis[] = [];
const keys: string[] = [];
afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
  for (const redis of connections) redis.disconnect();
});

/** Counts what reaches the socket's own write (one syscall each), however many writes were buffered. */
function countWrites(redis: Redis) {
  const socket = redis.stream as unknown as { _write: () => void; _writev: () => void };
  const writes = [vi.spyOn(socket, '_write'), vi.spyOn(socket, '_writev')];
  return () => writes.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
}

async function connect() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
  connections.push(redis);
  await redis.connect();
  return redis;
}

describe('createTurnCork', () => {
  it('sends what callers sharing a connection issue in one turn in one write, and later turns apart', async () => {
    const redis = await connect();
    const key = `test-turn-cork-${randomUUID()}`;
    keys.push(key);
    const [corkForPresence, corkForBus] = [createTurnCork(redis), createTurnCork(redis)];
    const written = countWrites(redis);
    const answers: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      (i % 2 === 0 ? corkForPresence : corkForBus)();
      answers.push(i % 2 === 0 ? redis.incr(key) : redis.publish(key, 'x'));
    }
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i / 2 + 1 : 0)));
    expect(written()).toBe(1);

    corkForBus();
    await redis.incr(key);
    expect(written()).toBe(2);
    // Uncorked in full: a command nobody corked for goes out at once.
    await redis.incr(key);
    expect(written()).toBe(3);
  });

  it('leaves a connection that is not ready alone', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
    connections.push(redis);
    const corkForTurn = createTurnCork(redis);
    corkForTurn();
    expect(await redis.echo('queued until connected')).toBe('queued until connected');
    corkForTurn();
    expect(await redis.echo('now ready')).toBe('now ready');
  });
});
