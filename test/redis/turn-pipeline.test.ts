import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTurnCork, createTurnPipeline } from '../../src/redis/turn-pipeline.js';

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

async function connect(options: { enableOfflineQueue?: boolean } = {}) {
  const redis = new Redis(REDIS_URL, { ...options, lazyConnect: true, retryStrategy: () => null });
  connections.push(redis);
  await redis.connect();
  return redis;
}

describe('createTurnPipeline', () => {
  it('sends the commands of one turn in one write, each answered in order', async () => {
    const redis = await connect();
    const key = `test-turn-pipeline-${randomUUID()}`;
    keys.push(key);
    const pipelined = createTurnPipeline(redis);
    const written = countWrites(redis);
    const answers = Array.from({ length: 50 }, () => pipelined<number>((connection, callback) => void connection.incr(key, callback)));
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(written()).toBe(1);

    // A later turn: a write of its own.
    expect(await pipelined<number>((connection, callback) => void connection.incr(key, callback))).toBe(51);
    expect(written()).toBe(2);
  });

  it('fails only the command that failed', async () => {
    const redis = await connect();
    const text = `test-turn-pipeline-${randomUUID()}`;
    keys.push(text);
    await redis.set(text, 'not a number');
    const pipelined = createTurnPipeline(redis);
    const [before, failed, after] = await Promise.allSettled([
      pipelined<string | null>((connection, callback) => void connection.get(text, callback)),
      pipelined<number>((connection, callback) => void connection.incr(text, callback)),
      pipelined<string>((connection, callback) => void connection.echo('still here', callback)),
    ]);
    expect(before).toEqual({ status: 'fulfilled', value: 'not a number' });
    expect(failed).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/not an integer/) } });
    expect(after).toEqual({ status: 'fulfilled', value: 'still here' });
  });

  it('fails every command at once on a connection that refuses commands while offline', async () => {
    const redis = await connect({ enableOfflineQueue: false });
    redis.disconnect();
    const pipelined = createTurnPipeline(redis);
    const outcomes = await Promise.allSettled([1, 2].map(() => pipelined<string>((connection, callback) => void connection.echo('x', callback))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });
});

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
