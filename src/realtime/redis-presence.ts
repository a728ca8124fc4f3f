import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from '../redis/redis-keys.js';
import { createTurnCork } from '../redis/turn-cork.js';
import type { Presence, PresenceListener } from './presence.js';

export interface RedisPresenceOptions {
  /** A connection that fails fast while Redis is down. */
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  /** How long a connection stays online after its last heartbeat, default 60000 ms. */
  ttlMs?: number;
  /** How long the last-seen time is remembered, default 30 days. */
  lastSeenTtlMs?: number;
  /** Told once, across all instances, when a user comes online or goes offline. */
  onChange?: PresenceListener;
  /** Most expired users handled per sweep, default 1000. */
  sweepBatch?: number;
}

/** Connections refreshed or left per script call: long enough to batch, short enough not to hold Redis up. */
const CONNECTIONS_PER_CALL = 500;

// Every script reads the time from Redis, so instances with drifting clocks agree on expiry.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: connections, deadlines, last seen. ARGV: connection id, ttl, user id, last-seen ttl. Answers 1 when the user came online. */
const TOUCH_LUA = `${NOW}
local expires = now + tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local wasOnline = redis.call('ZCARD', KEYS[1]) > 0
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'GT', expires, ARGV[3])
redis.call('SET', KEYS[3], string.format('%d', now), 'PX', ARGV[4])
if wasOnline then return {0, now} end
return {1, now}`;

/**
 * Heartbeats of many connections at once. KEYS: deadlines. ARGV: prefix of connection keys, prefix
 * of last-seen keys, ttl, last-seen ttl, then user id and connection id pairs. Answers the users
 * that came online (their connections had expired, or Redis lost them), each with the time.
 * (The per-user keys are derived inside the script: fine on one Redis, not on a Cluster.)
 */
const TOUCH_MANY_LUA = `${NOW}
local ttl = tonumber(ARGV[3])
local expires = now + ttl
local cameOnline = {}
for i = 5, #ARGV, 2 do
  local user = ARGV[i]
  local key = ARGV[1] .. user
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) == 0 then
    table.insert(cameOnline, user)
    table.insert(cameOnline, string.format('%d', now))
  end
  redis.call('ZADD', key, expires, ARGV[i + 1])
  redis.call('PEXPIRE', key, ttl)
  redis.call('ZADD', KEYS[1], 'GT', expires, user)
  redis.call('SET', ARGV[2] .. user, string.format('%d', now), 'PX', ARGV[4])
end
return cameOnline`;

/**
 * Leaves of many connections at once. KEYS: deadlines. ARGV: prefix of connection keys, prefix of
 * last-seen keys, last-seen ttl, then user id and connection id pairs. Answers the users that went
 * offline (their last live connection left), each with the time. Two devices of one user leaving
 * in the same call are taken in turn: the second one takes the user offline.
 * (The per-user keys are derived inside the script: fine on one Redis, not on a Cluster.)
 */
const LEAVE_MANY_LUA = `${NOW}
local wentOffline = {}
for i = 4, #ARGV, 2 do
  local user = ARGV[i]
  local key = ARGV[1] .. user
  local removed = redis.call('ZREM', key, ARGV[i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if removed == 1 then redis.call('SET', ARGV[2] .. user, string.format('%d', now), 'PX', ARGV[3]) end
  if redis.call('ZCARD', key) == 0 then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], user)
    if removed == 1 then
      table.insert(wentOffline, user)
      table.insert(wentOffline, string.format('%d', now))
    end
  end
end
return wentOffline`;

/**
 * KEYS: deadlines. ARGV: prefix of connection keys, batch size, prefix of last-seen keys. Drops
 * expired connections of users whose deadline passed and answers those left with none, each with
 * when it was last seen: every such user is answered to one sweeper only.
 * (The connection keys are derived inside the script: fine on one Redis, not on a Cluster.)
 */
const SWEEP_LUA = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local gone = {}
for _, user in ipairs(due) do
  local key = ARGV[1] .. user
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if latest[1] then
    redis.call('ZADD', KEYS[1], latest[2], user)
  else
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], user)
    table.insert(gone, user)
    table.insert(gone, redis.call('GET', ARGV[3] .. user) or '0')
  end
end
return gone`;

/** KEYS: connection keys of the users asked about. Answers 1 or 0 for each. */
const ONLINE_LUA = `${NOW}
local online = {}
for i, key in ipairs(KEYS) do
  online[i] = redis.call('ZCOUNT', key, '(' .. string.format('%d', now), '+inf') > 0 and 1 or 0
end
return online`;

interface PresenceCommands {
  presenceTouch(connections: string, deadlines: string, seen: string, connectionId: string, ttlMs: number, userId: string, seenTtlMs: number): Promise<[number, number]>;
  presenceLeaveMany(deadlines: string, connectionPrefix: string, seenPrefix: string, seenTtlMs: number, ...pairs: string[]): Promise<string[]>;
  presenceSweep(deadlines: string, connectionPrefix: string, batch: number, seenPrefix: string): Promise<string[]>;
  presenceTouchMany(deadlines: string, connectionPrefix: string, seenPrefix: string, ttlMs: number, seenTtlMs: number, ...pairs: string[]): Promise<string[]>;
  presenceOnline(count: number, ...keysThenNothing: string[]): Promise<number[]>;
}

/**
 * Presence shared by every instance: each connection is a member of its user's sorted set, scored
 * with when it expires, and heartbeats push that forward. A user is online while any connection
 * has not expired, so the users of a crashed instance go offline within the TTL: every instance
 * sweeps users whose deadline passed, and each transition is reported by exactly one of them.
 */
export function createRedisPresence(options: RedisPresenceOptions): Presence {
  const { redis, keys, logger } = options;
  const ttlMs = options.ttlMs ?? 60_000;
  const seenTtlMs = options.lastSeenTtlMs ?? 30 * 24 * 3600_000;
  const sweepBatch = options.sweepBatch ?? 1000;
  const connectionPrefix = keys.presenceConnections('');
  const seenPrefix = keys.presenceLastSeen('');

  redis.defineCommand('presenceTouch', { numberOfKeys: 3, lua: TOUCH_LUA });
  redis.defineCommand('presenceLeaveMany', { numberOfKeys: 1, lua: LEAVE_MANY_LUA });
  redis.defineCommand('presenceSweep', { numberOfKeys: 1, lua: SWEEP_LUA });
  redis.defineCommand('presenceTouchMany', { numberOfKeys: 1, lua: TOUCH_MANY_LUA });
  redis.defineCommand('presenceOnline', { lua: ONLINE_LUA });
  const commands = redis as unknown as PresenceCommands;
  // A burst of sockets connecting costs a write per turn, not one per socket.
  const corkForTurn = createTurnCork(redis);

  const local = new Map<string, Set<string>>();
  const report = (userId: string, online: boolean, lastSeenAt: number) => {
    try {
      options.onChange?.({ userId, online, lastSeenAt });
    } catch (error) {
      logger.error({ err: error, userId }, 'a presence listener failed');
    }
  };

  const touch = async (userId: string, connectionId: string) => {
    corkForTurn();
    const [cameOnline, now] = await commands.presenceTouch(
      keys.presenceConnections(userId),
      keys.presenceDeadlines,
      keys.presenceLastSeen(userId),
      connectionId,
      ttlMs,
      userId,
      seenTtlMs,
    );
    if (cameOnline === 1) report(userId, true, now);
  };

  const sweep = async () => {
    for (;;) {
      const gone = await commands.presenceSweep(keys.presenceDeadlines, connectionPrefix, sweepBatch, seenPrefix);
      for (let i = 0; i < gone.length; i += 2) report(gone[i]!, false, Number(gone[i + 1]));
      if (gone.length < sweepBatch * 2) return;
    }
  };
  /**
   * Every connection of this instance in a few script calls per interval, rather than a timer and
   * a round trip per socket: 10,000 sockets cost 20 calls every third of the TTL, not 10,000.
   */
  const heartbeatAll = async () => {
    const pairs: string[] = [];
    for (const [userId, connections] of local) for (const connectionId of connections) pairs.push(userId, connectionId);
    for (let start = 0; start < pairs.length; start += CONNECTIONS_PER_CALL * 2) {
      const chunk = pairs.slice(start, start + CONNECTIONS_PER_CALL * 2);
      const cameOnline = await commands.presenceTouchMany(keys.presenceDeadlines, connectionPrefix, seenPrefix, ttlMs, seenTtlMs, ...chunk);
      for (let i = 0; i < cameOnline.length; i += 2) report(cameOnline[i]!, true, Number(cameOnline[i + 1]));
    }
  };

  // Beating and sweeping three times per TTL keeps live connections well inside it and bounds how
  // late an expiry is noticed to a third of it.
  const intervalMs = Math.max(100, Math.floor(ttlMs / 3));
  let running = false;
  const timer = setInterval(() => {
    if (running || redis.status !== 'ready') return;
    running = true;
    heartbeatAll()
      .catch((error: unknown) => logger.warn({ err: error }, 'presence heartbeat failed'))
      .then(sweep)
      .catch((error: unknown) => logger.warn({ err: error }, 'presence sweep failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();

  /**
   * The leaves of this turn of the event loop, sent once its I/O callbacks have run: when thousands
   * of sockets close at once, Redis gets a script call per 500 of them rather than one each, and
   * a busy event loop has a few replies to wait for, not thousands.
   */
  let leaving: { pairs: string[]; settlers: Array<{ resolve: () => void; reject: (error: unknown) => void }> } | undefined;
  const sendLeaves = (): Promise<unknown> | undefined => {
    if (!leaving) return undefined;
    const { pairs, settlers } = leaving;
    leaving = undefined;
    const calls: Promise<void>[] = [];
    for (let start = 0; start < pairs.length; start += CONNECTIONS_PER_CALL * 2) {
      const waiting = settlers.slice(start / 2, start / 2 + CONNECTIONS_PER_CALL);
      const call = commands.presenceLeaveMany(keys.presenceDeadlines, connectionPrefix, seenPrefix, seenTtlMs, ...pairs.slice(start, start + CONNECTIONS_PER_CALL * 2)).then(
        (wentOffline) => {
          for (let i = 0; i < wentOffline.length; i += 2) report(wentOffline[i]!, false, Number(wentOffline[i + 1]));
          for (const { resolve } of waiting) resolve();
        },
        (error: unknown) => {
          for (const { reject } of waiting) reject(error);
        },
      );
      calls.push(call);
    }
    return Promise.all(calls);
  };

  const onlineAmong = async (userIds: readonly string[]) => {
    if (userIds.length === 0) return new Set<string>();
    const flags = await commands.presenceOnline(userIds.length, ...userIds.map((userId) => keys.presenceConnections(userId)));
    return new Set(userIds.filter((_, i) => flags[i] === 1));
  };

  return {
    async connected(userId, connectionId) {
      let connections = local.get(userId);
      if (!connections) local.set(userId, (connections = new Set()));
      connections.add(connectionId);
      await touch(userId, connectionId);
    },
    disconnected(userId, connectionId) {
      const connections = local.get(userId);
      connections?.delete(connectionId);
      if (connections?.size === 0) local.delete(userId);
      return new Promise<void>((resolve, reject) => {
        if (!leaving) {
          leaving = { pairs: [], settlers: [] };
          setImmediate(sendLeaves);
        }
        leaving.pairs.push(userId, connectionId);
        leaving.settlers.push({ resolve, reject });
      });
    },
    onlineAmong,
    async isOnline(userId) {
      return (await onlineAmong([userId])).has(userId);
    },
    async lastSeen(userId) {
      const seen = await redis.get(keys.presenceLastSeen(userId));
      return seen === null ? undefined : Number(seen);
    },
    localUserCount: () => local.size,
    async close() {
      clearInterval(timer);
      local.clear();
      // Leaves of sockets closed just now go before the connection does.
      await sendLeaves();
    },
  };
}
