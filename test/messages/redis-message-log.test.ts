import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitUnconfirmedError } from '../../src/messages/message-committer.js';
import type { MessageDraft } from '../../src/messages/message-log.js';
import { createAppendScript } from '../../src/messages/redis-append-script.js';
import { createRedisMessageCommitter } from '../../src/messages/redis-message-committer.js';
import { createRedisMessageLog } from '../../src/messages/redis-message-log.js';
import type { RedisEventBus } from '../../src/realtime/redis-event-bus.js';
import { createTopics, positionInChannelJson } from '../../src/realtime/topics.js';
import { createRedisConnection, redisReady } from '../../src/redis/redis-connection.js';
import { createRedisKeys } from '../../src/redis/redis-keys.js';
import { testLogger } from '../redis/support.js';
import { SHARED_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.js';
import { startRedisServer } from '../support/redis-server.js';

const prefix = uniquePrefix();
const keys = createRedisKeys(prefix);
const topics = createTopics(prefix);
const connections: Redis[] = [];
let admin: Redis;

beforeAll(() => {
  admin = new Redis(SHARED_REDIS_URL);
});
afterAll(async () => {
  connections.forEach((connection) => connection.disconnect());
  await deletePrefix(SHARED_REDIS_URL, prefix);
  admin.disconnect();
});

/** One gateway instance's view: its own connection, committer and log. */
async function instance(
  options: {
    lastStoredSeq?: (groupId: string) => Promise<number>;
    maxPerGroup?: number;
    url?: string;
    commandTimeoutMs?: number;
    retryWindowMs?: number;
    bus?: Pick<RedisEventBus, 'deliverAhead'>;
  } = {},
) {
  const redis = createRedisConnection(options.url ?? SHARED_REDIS_URL, { name: 'test', logger: testLogger(), commandTimeoutMs: options.commandTimeoutMs });
  connections.push(redis);
  await redisReady(redis);
  const append = createAppendScript({
    redis,
    keys,
    lastStoredSeq: options.lastStoredSeq ?? (async () => 0),
    maxPerGroup: options.maxPerGroup ?? 1000,
    ttlMs: 60_000,
    retryWindowMs: options.retryWindowMs ?? 60_000,
  });
  return { redis, committer: createRedisMessageCommitter({ append, topics, bus: options.bus }), log: createRedisMessageLog({ redis, keys, append }) };
}

const draft = (groupId: string, content: string, clientMessageId: string | null = null, senderId = 'alice'): MessageDraft => ({
  id: randomUUID(),
  groupId,
  sender: { id: senderId, name: senderId },
  msgType: 'TEXT',
  content,
  imageUrl: null,
  clientMessageId,
  createdAt: Date.now(),
});

/** What a group's commits left in Redis: its log, its entries in the persistence stream, what was published. */
async function watchGroup(groupId: string) {
  const subscriber = new Redis(SHARED_REDIS_URL);
  const published: number[] = [];
  subscriber.on('message', (_channel, text) => published.push(JSON.parse(text).message.seq));
  await subscriber.subscribe(topics.group(groupId));
  return {
    async written() {
      await new Promise((resolve) => setTimeout(resolve, 100));
      subscriber.disconnect();
      const logged = (await admin.xrange(keys.log(groupId), '-', '+')).map(([id]) => id);
      const persisted = (await admin.xrange(keys.persist, '-', '+')).filter(([, fields]) => JSON.parse(fields[1]!).groupId === groupId);
      return { logged, persisted: persisted.length, published, counter: await admin.get(keys.seq(groupId)) };
    },
  };
}

describe('the Redis commit script', () => {
  it('positions, keeps, queues for storage and publishes a message in one step', async () => {
    const { committer } = await instance();
    const groupId = randomUUID();
    const subscriber = new Redis(SHARED_REDIS_URL);
    const published: string[] = [];
    subscriber.on('message', (_channel, text) => published.push(text));
    await subscriber.subscribe(topics.group(groupId));

    const message = await committer.commit(draft(groupId, 'hello'));
    expect(message).toMatchObject({ groupId, seq: 1, content: 'hello' });

    const [[logId, logFields]] = (await admin.xrange(keys.log(groupId), '-', '+')) as [[string, string[]]];
    expect(logId).toBe('1-0');
    expect(logFields[0]).toBe('message');
    expect(JSON.parse(logFields[1]!)).toEqual(message);
    const persisted = (await admin.xrange(keys.persist, '-', '+')) as Array<[string, string[]]>;
    const entry = persisted.map(([, fields]) => fields).find((fields) => JSON.parse(fields[1]!).id === message.id);
    expect(entry?.[0]).toBe('message');
    expect(entry).toHaveLength(2);
    expect(JSON.parse(entry![1]!)).toEqual(message);
    expect(await admin.get(keys.seq(groupId))).toBe('1');
    const [seqTtl, logTtl] = await Promise.all([admin.pttl(keys.seq(groupId)), admin.pttl(keys.log(groupId))]);
    expect(seqTtl).toBeGreaterThan(50_000);
    expect(logTtl).toBeGreaterThan(50_000);

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(published.map((text) => JSON.parse(text))).toEqual([{ kind: 'message', message }]);
    // Its position can be read without parsing it, so a copy of it delivered ahead is dropped unread.
    expect(published.map((text) => positionInChannelJson(Buffer.from(text)))).toEqual([1]);
    subscriber.disconnect();
  });

  it('hands a new message to the bus to deliver ahead, and not a repeat', async () => {
    const ahead: Array<[string, unknown, number]> = [];
    const { committer } = await instance({ bus: { deliverAhead: (channel, payload, position) => void ahead.push([channel, payload, position]) } });
    const groupId = randomUUID();
    const first = await committer.commit(draft(groupId, 'one', 'c-ahead'));
    const second = await committer.commit(draft(groupId, 'two'));
    await committer.commit(draft(groupId, 'one', 'c-ahead'));
    expect(ahead).toEqual([
      [topics.group(groupId), { kind: 'message', message: first }, 1],
      [topics.group(groupId), { kind: 'message', message: second }, 2],
    ]);
  });

  it('seeds a missing counter from the last stored seq, asking only then', async () => {
    const asked: string[] = [];
    const { committer } = await instance({
      lastStoredSeq: async (groupId) => {
        asked.push(groupId);
        return 41;
      },
    });
    const groupId = randomUUID();
    expect((await committer.commit(draft(groupId, 'a'))).seq).toBe(42);
    expect((await committer.commit(draft(groupId, 'b'))).seq).toBe(43);
    expect(asked).toEqual([groupId]);
  });

  it('never gives two instances the same seq, and publishes in seq order', async () => {
    const seeds = [7, 3];
    const instances = await Promise.all(seeds.map((seed) => instance({ lastStoredSeq: async () => seed })));
    const groupId = randomUUID();
    const subscriber = new Redis(SHARED_REDIS_URL);
    const publishedSeqs: number[] = [];
    subscriber.on('message', (_channel, text) => publishedSeqs.push(JSON.parse(text).message.seq));
    await subscriber.subscribe(topics.group(groupId));

    // Both instances find the counter missing at once; only one seed may win.
    const committed = await Promise.all(
      Array.from({ length: 200 }, (_, i) => instances[i % 2]!.committer.commit(draft(groupId, `m${i}`))),
    );
    const seqs = committed.map((message) => message.seq).sort((a, b) => a - b);
    const base = seqs[0]! - 1;
    expect([3, 7]).toContain(base);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => base + 1 + i));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(publishedSeqs).toEqual(seqs);
    subscriber.disconnect();
  });

  it('writes above a log that outlived its counter', async () => {
    const { committer } = await instance();
    const groupId = randomUUID();
    for (let i = 0; i < 3; i++) await committer.commit(draft(groupId, `m${i}`));
    await admin.del(keys.seq(groupId));
    expect((await committer.commit(draft(groupId, 'after'))).seq).toBe(4);
  });

  it('answers a sender repeating a clientMessageId, on any instance, with the message already sent', async () => {
    const [first, second] = await Promise.all([instance(), instance()]);
    const groupId = randomUUID();
    const watch = await watchGroup(groupId);

    const sent = await first!.committer.commit(draft(groupId, 'hello', 'c-1'));
    const repeated = await second!.committer.commit(draft(groupId, 'hello', 'c-1'));
    expect(repeated).toEqual(sent);
    // The same id from another sender or in another group, and messages without one, are messages of their own.
    expect((await second!.committer.commit(draft(groupId, 'hello', 'c-1', 'bob'))).seq).toBe(2);
    const elsewhere = await second!.committer.commit(draft(randomUUID(), 'hello', 'c-1'));
    expect(elsewhere.id).not.toBe(sent.id);
    expect((await first!.committer.commit(draft(groupId, 'no id'))).seq).toBe(3);
    expect((await first!.committer.commit(draft(groupId, 'no id'))).seq).toBe(4);

    expect(await watch.written()).toEqual({ logged: ['1-0', '2-0', '3-0', '4-0'], persisted: 4, published: [1, 2, 3, 4], counter: '4' });
  });

  it('commits a clientMessageId sent many times at once only once', async () => {
    const instances = await Promise.all([instance(), instance()]);
    const groupId = randomUUID();
    const watch = await watchGroup(groupId);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.committer.commit(draft(groupId, 'once', 'c-once'))));
    expect(new Set(answers.map((message) => message.id)).size).toBe(1);
    expect(answers[0]!.seq).toBe(1);
    expect(await watch.written()).toEqual({ logged: ['1-0'], persisted: 1, published: [1], counter: '1' });
  });

  it('answers a repeat from what it remembered once the log no longer holds the message', async () => {
    const { committer } = await instance({ maxPerGroup: 1 });
    const groupId = randomUUID();
    const sent = await committer.commit(draft(groupId, 'first', 'c-first'));
    await committer.commit(draft(groupId, 'second'));
    expect(await admin.xlen(keys.log(groupId))).toBe(1);
    const repeated = await committer.commit(draft(groupId, 'first', 'c-first'));
    expect(repeated).toEqual(sent);
    expect(await admin.get(keys.seq(groupId))).toBe('2');
  });

  it('sends a clientMessageId again once its retry window has passed', async () => {
    const { committer } = await instance({ retryWindowMs: 200 });
    const groupId = randomUUID();
    const sent = await committer.commit(draft(groupId, 'early', 'c-window'));
    expect(await admin.pttl(keys.sentMessage('alice', groupId, 'c-window'))).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await committer.commit(draft(groupId, 'late', 'c-window'));
    expect(later.seq).toBe(2);
    expect(later.id).not.toBe(sent.id);
  });

  it('fails at once while Redis is unreachable, and works again when it is back', async () => {
    const own = await startRedisServer();
    try {
      const { committer, redis } = await instance({ url: own.url });
      const groupId = randomUUID();
      await committer.commit(draft(groupId, 'before'));
      await own.kill();
      const started = Date.now();
      const refused = await committer.commit(draft(groupId, 'lost')).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(Error);
      // Never sent: nothing to be unsure about.
      expect(refused).not.toBeInstanceOf(CommitUnconfirmedError);
      expect(Date.now() - started).toBeLessThan(1000);
      await own.start();
      await redisReady(redis, 10_000);
      // The restarted Redis is empty: the counter reseeds from the (here: empty) storage.
      expect((await committer.commit(draft(groupId, 'after'))).seq).toBe(1);
    } finally {
      await own.stop();
    }
  });

  it('says a commit Redis did not answer in time may have happened, and it does', async () => {
    const own = await startRedisServer();
    try {
      const { committer } = await instance({ url: own.url, commandTimeoutMs: 300 });
      const groupId = randomUUID();
      await committer.commit(draft(groupId, 'before'));
      own.pause();
      await expect(committer.commit(draft(groupId, 'unconfirmed'))).rejects.toBeInstanceOf(CommitUnconfirmedError);
      own.resume();
      const reader = new Redis(own.url);
      try {
        // Redis runs what waited in the socket once it goes on.
        let logged = await reader.xrange(keys.log(groupId), '-', '+');
        for (const deadline = Date.now() + 5000; logged.length < 2 && Date.now() < deadline; ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          logged = await reader.xrange(keys.log(groupId), '-', '+');
        }
        expect(logged.map(([id]) => id)).toEqual(['1-0', '2-0']);
        expect(logged[1]![1][1]).toContain('"content":"unconfirmed"');
      } finally {
        reader.disconnect();
      }
    } finally {
      await own.stop();
    }
  });
});

describe('the Redis message log', () => {
  it('reads after a position, and says when it no longer holds everything', async () => {
    const { committer, log } = await instance({ maxPerGroup: 5 });
    const groupId = randomUUID();
    expect(await log.readAfter(groupId, 0, 10)).toEqual({ messages: [], complete: false });
    const sent = [];
    for (let i = 1; i <= 8; i++) sent.push(await committer.commit(draft(groupId, `m${i}`)));
    expect(await admin.xlen(keys.log(groupId))).toBe(5);

    expect(await log.readAfter(groupId, 5, 10)).toEqual({ messages: sent.slice(5), complete: true });
    expect(await log.readAfter(groupId, 3, 10)).toEqual({ messages: sent.slice(3), complete: true });
    expect(await log.readAfter(groupId, 3, 2)).toEqual({ messages: sent.slice(3, 5), complete: true });
    expect(await log.readAfter(groupId, 2, 10)).toEqual({ messages: sent.slice(3), complete: false });
    expect(await log.readAfter(groupId, 8, 10)).toEqual({ messages: [], complete: true });
  });

  it('appends without queueing for storage or publishing', async () => {
    const { log } = await instance();
    const groupId = randomUUID();
    const before = await admin.xlen(keys.persist);
    const message = await log.append(draft(groupId, 'kept only'));
    expect(message.seq).toBe(1);
    expect(await admin.xlen(keys.persist)).toBe(before);
    expect((await log.readAfter(groupId, 0, 10)).messages).toEqual([message]);
  });

  it('finds a recent message by id', async () => {
    const { committer, log } = await instance();
    const groupId = randomUUID();
    const first = await committer.commit(draft(groupId, 'one'));
    await committer.commit(draft(groupId, 'two'));
    expect(await log.find(groupId, first.id)).toEqual(first);
    expect(await log.find(groupId, 'no-such-id')).toBeUndefined();
  });
});
