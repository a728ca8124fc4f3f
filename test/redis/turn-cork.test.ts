import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createTurnCork } from '../../src/redis/turn-cork.js';
import { countWrites, REDIS_URL, redisForTests } from './test-redis.js';

const { connect, key: remember, track } = redisForTests();

describe('createTurnCork', () => {
  it('sends what callers sharing a connection issue in one turn in one write, and later turns apart', async () => {
    const redis = await connect();
    const key = remember(`test-turn-cork-${randomUUID()}`);
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

  it('holds the commands of turns that follow a write closely until the interval has passed, then sends them in one write', async () => {
    const redis = await connect();
    const key = remember(`test-turn-cork-${randomUUID()}`);
    const corkForTurn = createTurnCork(redis, { minWriteIntervalMs: 200 });
    const written = countWrites(redis);
    // A quiet connection: the command leaves at the end of its turn.
    corkForTurn();
    await redis.incr(key);
    expect(written()).toBe(1);
    const lastWriteAnsweredAt = performance.now();

    const answers: Promise<number>[] = [];
    for (let turn = 0; turn < 3; turn++) {
      corkForTurn();
      answers.push(redis.incr(key));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(written()).toBe(1);
    expect(await Promise.all(answers)).toEqual([2, 3, 4]);
    expect(written()).toBe(2);
    expect(performance.now() - lastWriteAnsweredAt).toBeGreaterThanOrEqual(150);

    // Quiet again for longer than the interval: the end of the turn once more.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const issuedAt = performance.now();
    corkForTurn();
    expect(await redis.incr(key)).toBe(5);
    expect(written()).toBe(3);
    expect(performance.now() - issuedAt).toBeLessThan(150);
  });

  it('is made once per connection, with the options of the first to ask', async () => {
    const redis = await connect();
    expect(createTurnCork(redis, { minWriteIntervalMs: 0 })).toBe(createTurnCork(redis, { minWriteIntervalMs: 500 }));
  });

  it('leaves a connection that is not ready alone', async () => {
    const redis = track(new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null }));
    const corkForTurn = createTurnCork(redis);
    corkForTurn();
    expect(await redis.echo('queued until connected')).toBe('queued until connected');
    corkForTurn();
    expect(await redis.echo('now ready')).toBe('now ready');
  });
});
