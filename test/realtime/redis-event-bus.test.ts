import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/realtime/event-bus.js';
import { createRedisEventBus } from '../../src/realtime/redis-event-bus.js';
import { eventually } from '../support/gateway.js';
import { testLogger } from '../redis/support.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { describeEventBus } from './event-bus-contract.js';

const prefix = uniquePrefix();
const buses: EventBus[] = [];
const createBus = (url = SHARED_REDIS_URL, onListenerError?: (channel: string, error: unknown) => void) => {
  const bus = createRedisEventBus({ url, logger: testLogger(), onListenerError, connectionName: prefix });
  buses.push(bus);
  return bus;
};
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
});

describeEventBus('redis bus', { create: (onListenerError) => createBus(SHARED_REDIS_URL, onListenerError), channel: (name) => `${prefix}:${name}` }, { crossesProcesses: true });


describe('redis bus: upstream subscriptions', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(SHARED_REDIS_URL);
  });
  afterAll(() => admin.quit());
  const numsub = async (channel: string) => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]);

  it('holds one SUBSCRIBE per channel per process, and UNSUBSCRIBEs with the last listener', async () => {
    const channel = `${prefix}:numsub`;
    const first = createBus();
    const second = createBus();
    const offFirst = Array.from({ length: 25 }, () => first.subscribe(channel, () => {}));
    await first.ready(channel);
    expect(await numsub(channel)).toBe(1);
    const offSecond = Array.from({ length: 10 }, () => second.subscribe(channel, () => {}));
    await second.ready(channel);
    expect(await numsub(channel)).toBe(2);
    const subscribers = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=${prefix}:subscriber`));
    expect(subscribers.every((line) => /\bsub=1\b/.test(line))).toBe(true);

    offFirst.forEach((off) => off());
    await eventually(async () => expect(await numsub(channel)).toBe(1));
    offSecond.slice(1).forEach((off) => off());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await numsub(channel)).toBe(1);
    offSecond[0]!();
    await eventually(async () => expect(await numsub(channel)).toBe(0));
  });

  it('drops an event that is not JSON and keeps delivering', async () => {
    const channel = `${prefix}:not-json`;
    const bus = createBus();
    const received: unknown[] = [];
    bus.subscribe(channel, (payload) => received.push(payload));
    await bus.ready(channel);
    await admin.publish(channel, '{not json');
    await admin.publish(channel, '{"ok":true}');
    await eventually(() => expect(received).toEqual([{ ok: true }]));
  });
});

describe('redis bus: Redis restarts', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('subscribes again after Redis comes back, and fails publishes fast meanwhile', async () => {
    const channel = `${prefix}:restart`;
    const publisher = createBus(redis.url);
    const subscriber = createBus(redis.url);
    const received: unknown[] = [];
    subscriber.subscribe(channel, (payload) => received.push(payload));
    await subscriber.ready(channel);
    await eventually(() => publisher.publish(channel, 'before'));
    await eventually(() => expect(received).toEqual(['before']));

    await redis.kill();
    const started = Date.now();
    await expect(publisher.publish(channel, 'while down')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);

    await redis.start();
    const admin = new Redis(redis.url);
    try {
      // Nothing of the old server survived: the subscription is the bus's own doing.
      await eventually(async () => expect(Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1])).toBe(1), 10_000);
    } finally {
      admin.disconnect();
    }
    await eventually(() => publisher.publish(channel, 'after'), 10_000);
    await eventually(() => expect(received).toEqual(['before', 'after']));
  });
});
