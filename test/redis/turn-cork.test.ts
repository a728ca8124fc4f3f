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

  it('leaves a connection that is not ready alone', async () => {
    const redis = track(new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null }));
    const corkForTurn = createTurnCork(redis);
    corkForTurn();
    expect(await redis.echo('queued until connected')).toBe('queued until connected');
    corkForTurn();
    expect(await redis.echo('now ready')).toBe('now ready');
  });
});
