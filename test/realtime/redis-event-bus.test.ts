import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/realtime/event-bus.js';
import { createRedisEventBus } from '../../src/realtime/redis-event-bus.js';
import { positionInChannel } from '../../src/realtime/topics.js';
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

/** The connections subscribed to `channel`, as `redis` (any connection to the same server) sees them. */
const subscribersOf = async (redis: Redis, channel: string) => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);

describeEventBus('redis bus', { create: (onListenerError) => createBus(SHARED_REDIS_URL, onListenerError), channel: (name) => `${prefix}:${name}` }, { crossesProcesses: true });


describe('redis bus: upstream subscriptions', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(SHARED_REDIS_URL);
  });
  afterAll(() => admin.quit());

  it('holds one SUBSCRIBE per channel per process, and UNSUBSCRIBEs with the last listener', async () => {
    const channel = `${prefix}:numsub`;
    const first = createBus();
    const second = createBus();
    const offFirst = Array.from({ length: 25 }, () => first.subscribe(channel, () => {}));
    await first.ready(channel);
    expect(await subscribersOf(admin, channel)).toBe(1);
    const offSecond = Array.from({ length: 10 }, () => second.subscribe(channel, () => {}));
    await second.ready(channel);
    expect(await subscribersOf(admin, channel)).toBe(2);
    const subscribers = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=${prefix}:subscriber`));
    expect(subscribers.every((line) => /\bsub=1\b/.test(line))).toBe(true);

    offFirst.forEach((off) => off());
    await eventually(async () => expect(await subscribersOf(admin, channel)).toBe(1));
    offSecond.slice(1).forEach((off) => off());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await subscribersOf(admin, channel)).toBe(1);
    offSecond[0]!();
    await eventually(async () => expect(await subscribersOf(admin, channel)).toBe(0));
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

describe('redis bus: events delivered ahead', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(SHARED_REDIS_URL);
  });
  afterAll(() => admin.quit());

  const event = (seq: number) => ({ kind: 'message', message: { seq, id: `m${seq}` } });
  const seqs = (received: unknown[]) => received.map((payload) => (payload as ReturnType<typeof event>).message.seq);
  /** A bus with one listener on a fresh channel, and what the listener received. */
  const listening = async (name: string) => {
    const channel = `${prefix}:ahead:${name}`;
    const bus = createRedisEventBus({ url: SHARED_REDIS_URL, logger: testLogger(), connectionName: prefix, positionOf: positionInChannel });
    buses.push(bus);
    const received: unknown[] = [];
    bus.subscribe(channel, (payload) => received.push(payload));
    await bus.ready(channel);
    return { bus, channel, received };
  };
  /** Publishes as the append script does, and waits until the bus has had Redis's copy. */
  const publishCopy = async (channel: string, seq: number) => {
    await admin.publish(channel, JSON.stringify(event(seq)));
    await admin.ping();
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('delivers the next event at once and drops the copy Redis sends back', async () => {
    const { bus, channel, received } = await listening('next');
    await publishCopy(channel, 1);
    await eventually(() => expect(seqs(received)).toEqual([1]));

    const ahead = event(2);
    bus.deliverAhead(channel, ahead, 2);
    expect(received).toEqual([event(1), ahead]);
    expect(received[1]).toBe(ahead);
    await publishCopy(channel, 2);
    await publishCopy(channel, 3);
    await eventually(() => expect(seqs(received)).toEqual([1, 2, 3]));
    await settle();
    expect(seqs(received)).toEqual([1, 2, 3]);
  });

  it('leaves an event to its copy until the bus knows where the channel stands', async () => {
    const { bus, channel, received } = await listening('unknown');
    bus.deliverAhead(channel, event(7), 7);
    expect(received).toEqual([]);
    await publishCopy(channel, 7);
    await eventually(() => expect(seqs(received)).toEqual([7]));
  });

  it('keeps the order when an earlier event is still on its way', async () => {
    const { bus, channel, received } = await listening('order');
    await publishCopy(channel, 1);
    await eventually(() => expect(seqs(received)).toEqual([1]));
    // Another instance's message 2 has not come yet: 3 must not pass it.
    bus.deliverAhead(channel, event(3), 3);
    expect(seqs(received)).toEqual([1]);
    await publishCopy(channel, 2);
    await publishCopy(channel, 3);
    await eventually(() => expect(seqs(received)).toEqual([1, 2, 3]));
    bus.deliverAhead(channel, event(4), 4);
    bus.deliverAhead(channel, event(5), 5);
    expect(seqs(received)).toEqual([1, 2, 3, 4, 5]);
    await publishCopy(channel, 4);
    await publishCopy(channel, 5);
    await publishCopy(channel, 6);
    await eventually(() => expect(seqs(received)).toEqual([1, 2, 3, 4, 5, 6]));
  });

  it('delivers copies whose positions start again, and events without a position', async () => {
    const { bus, channel, received } = await listening('restart');
    await publishCopy(channel, 40);
    await eventually(() => expect(seqs(received)).toEqual([40]));
    bus.deliverAhead(channel, event(41), 41);
    // The copy of 41 was lost (a reconnect), and the group's counter started again from the Chat service's last seq.
    await publishCopy(channel, 30);
    await publishCopy(channel, 31);
    await admin.publish(channel, JSON.stringify({ kind: 'other' }));
    await eventually(() => expect(received).toHaveLength(5));
    expect(received.slice(0, 4).map((payload) => (payload as ReturnType<typeof event>).message.seq)).toEqual([40, 41, 30, 31]);
    expect(received[4]).toEqual({ kind: 'other' });
  });

  it('forgets where a channel stood once its last listener leaves', async () => {
    const { bus, channel, received } = await listening('forget');
    await publishCopy(channel, 1);
    await eventually(() => expect(seqs(received)).toEqual([1]));
    const off = bus.subscribe(channel, () => {});
    off();
    bus.deliverAhead(channel, event(2), 2);
    expect(seqs(received)).toEqual([1, 2]);

    const other = createRedisEventBus({ url: SHARED_REDIS_URL, logger: testLogger(), connectionName: prefix, positionOf: positionInChannel });
    buses.push(other);
    const first: unknown[] = [];
    const offFirst = other.subscribe(channel, (payload) => first.push(payload));
    await other.ready(channel);
    await publishCopy(channel, 3);
    await eventually(() => expect(seqs(first)).toEqual([3]));
    offFirst();
    // Only the first bus still subscribes once Redis has the UNSUBSCRIBE; a copy published before
    // that would still reach the connection, and the listener added next.
    await eventually(async () => expect(await subscribersOf(admin, channel)).toBe(1));
    // Messages went by while nobody here listened: 4 is not the next after 3 any more.
    await publishCopy(channel, 4);
    const again: unknown[] = [];
    other.subscribe(channel, (payload) => again.push(payload));
    await other.ready(channel);
    other.deliverAhead(channel, event(6), 6);
    expect(again).toEqual([]);
    await publishCopy(channel, 5);
    await publishCopy(channel, 6);
    await eventually(() => expect(seqs(again)).toEqual([5, 6]));
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
      await eventually(async () => expect(await subscribersOf(admin, channel)).toBe(1), 10_000);
    } finally {
      admin.disconnect();
    }
    await eventually(() => publisher.publish(channel, 'after'), 10_000);
    await eventually(() => expect(received).toEqual(['before', 'after']));
  });
});
