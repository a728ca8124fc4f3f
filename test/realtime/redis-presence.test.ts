import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Presence, PresenceChange } from '../../src/realtime/presence.js';
import { createRedisPresence } from '../../src/realtime/redis-presence.js';
import { createRedisConnection, redisReady } from '../../src/redis/redis-connection.js';
import { createRedisKeys } from '../../src/redis/redis-keys.js';
import { eventually } from '../support/gateway.js';
import { testLogger } from '../redis/support.js';
import { SHARED_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.js';

const prefix = uniquePrefix();
const keys = createRedisKeys(prefix);
const opened: Array<{ redis: Redis; presence: Presence }> = [];
afterAll(async () => {
  for (const { redis, presence } of opened) {
    await presence.close();
    redis.disconnect();
  }
  await deletePrefix(SHARED_REDIS_URL, prefix);
});

/** One gateway instance's presence, recording the changes it reports. */
async function instance(ttlMs = 60_000) {
  const redis = createRedisConnection(SHARED_REDIS_URL, { name: 'test', logger: testLogger() });
  await redisReady(redis);
  const changes: PresenceChange[] = [];
  const presence = createRedisPresence({ redis, keys, logger: testLogger(), ttlMs, onChange: (change) => changes.push(change) });
  opened.push({ redis, presence });
  return { presence, changes, redis };
}

/** Runs `work` and answers how many commands the connection sent meanwhile, with its result. */
async function countingCommands<T>(redis: Redis, work: () => Promise<T>): Promise<{ commands: number; result: T }> {
  let commands = 0;
  const sendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<typeof sendCommand>) => {
    commands++;
    return sendCommand(...args);
  }) as typeof redis.sendCommand;
  try {
    const result = await work();
    return { commands, result };
  } finally {
    redis.sendCommand = sendCommand;
  }
}

describe('presence in Redis', () => {
  it('merges a user’s devices across instances: online while any is connected', async () => {
    const a = await instance();
    const b = await instance();
    const user = `u-${Math.random()}`;
    await a.presence.connected(user, 'phone');
    await b.presence.connected(user, 'laptop');
    expect(await b.presence.isOnline(user)).toBe(true);
    expect(a.presence.localUserCount()).toBe(1);
    await a.presence.disconnected(user, 'phone');
    expect(await a.presence.isOnline(user)).toBe(true);
    await b.presence.disconnected(user, 'laptop');
    expect(await a.presence.isOnline(user)).toBe(false);
    // One transition each way, reported by the instance that saw it.
    expect(a.changes.map((change) => [change.userId, change.online])).toEqual([[user, true]]);
    expect(b.changes.map((change) => [change.userId, change.online])).toEqual([[user, false]]);
    expect(await a.presence.lastSeen(user)).toBeGreaterThan(Date.now() - 5000);
    expect(await a.presence.lastSeen('never-seen')).toBeUndefined();
  });

  it('answers for many users in one round trip', async () => {
    const { presence, redis } = await instance();
    const users = Array.from({ length: 50 }, (_, i) => `batch-${i}-${Math.random()}`);
    for (const user of users.filter((_, i) => i % 3 === 0)) await presence.connected(user, 'c');
    const { commands, result: online } = await countingCommands(redis, () => presence.onlineAmong(users));
    expect([...online].sort()).toEqual(users.filter((_, i) => i % 3 === 0).sort());
    expect(commands).toBe(1);
  });

  it('lets a connection whose instance stopped heartbeating expire, reported once across instances', async () => {
    const crashed = await instance(600);
    const survivors = [await instance(600), await instance(600)];
    const user = `crashed-${Math.random()}`;
    const alive = `alive-${Math.random()}`;
    await crashed.presence.connected(user, 'socket');
    await survivors[0]!.presence.connected(alive, 'socket');
    const lastBeat = Date.now();
    // The crashed instance stops sweeping and beating: only the survivors notice.
    await crashed.presence.close();
    await eventually(async () => expect(await survivors[1]!.presence.isOnline(user)).toBe(false), 3000);
    await eventually(() => expect(survivors.flatMap((s) => s.changes).filter((change) => change.userId === user)).toHaveLength(1), 3000);
    const [change] = survivors.flatMap((s) => s.changes).filter((c) => c.userId === user);
    expect(change).toMatchObject({ userId: user, online: false });
    expect(Math.abs(change!.lastSeenAt - lastBeat)).toBeLessThan(1000);
    // The survivor's own connection outlived several TTLs on its heartbeats alone.
    expect(await survivors[1]!.presence.isOnline(alive)).toBe(true);
    expect(survivors.flatMap((s) => s.changes).filter((c) => c.userId === alive && !c.online)).toEqual([]);
  });

  it('keeps all of its connections alive with a few commands per interval, not one per socket', async () => {
    const { presence, redis } = await instance(600);
    const users = Array.from({ length: 120 }, (_, i) => `beating-${i}-${Math.random()}`);
    for (const user of users) await presence.connected(user, `socket-of-${user}`);
    // Three TTLs: every connection would have expired without its heartbeats.
    const { commands } = await countingCommands(redis, () => new Promise((resolve) => setTimeout(resolve, 1800)));
    expect((await presence.onlineAmong(users)).size).toBe(users.length);
    // About nine intervals, each one batched heartbeat and one sweep.
    expect(commands).toBeLessThan(30);
  });

  it('sends the leaves of sockets closing together in one command, each user going offline once', async () => {
    const { presence, redis, changes } = await instance();
    const users = Array.from({ length: 300 }, (_, i) => `leaving-${i}-${Math.random()}`);
    for (const user of users) await presence.connected(user, 'phone');
    // The first user has a second device that closes in the same turn; the last keeps one open.
    await presence.connected(users[0]!, 'laptop');
    const stays = users.at(-1)!;
    await presence.connected(stays, 'laptop');
    const { commands } = await countingCommands(redis, () =>
      Promise.all([...users.map((user) => presence.disconnected(user, 'phone')), presence.disconnected(users[0]!, 'laptop')]),
    );
    expect(commands).toBe(1);
    const gone = users.slice(0, -1);
    expect(changes.filter((change) => !change.online).map((change) => change.userId).sort()).toEqual([...gone].sort());
    expect((await presence.onlineAmong(users)).size).toBe(1);
    expect(await presence.isOnline(stays)).toBe(true);
    expect(presence.localUserCount()).toBe(1);
    // A connection that was never there changes nothing.
    await presence.disconnected(gone[0]!, 'phone');
    expect(changes.filter((change) => change.userId === gone[0] && !change.online)).toHaveLength(1);
  });

  it('sends leaves still waiting for their turn when it closes, and fails those Redis refuses', async () => {
    const watcher = await instance();
    const closing = await instance();
    const user = `closing-${Math.random()}`;
    await closing.presence.connected(user, 'phone');
    const left = closing.presence.disconnected(user, 'phone');
    const closed = closing.presence.close();
    await closing.redis.quit();
    await Promise.all([left, closed]);
    expect(await watcher.presence.isOnline(user)).toBe(false);

    const refusing = await instance();
    await refusing.presence.connected(user, 'tablet');
    refusing.redis.disconnect();
    await expect(refusing.presence.disconnected(user, 'tablet')).rejects.toThrow();
  });
});
