import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { badUserInput } from '../../src/errors.js';
import type { ChatMessage } from '../../src/model.js';
import type { SaveMessage, SaveMessages } from '../../src/persistence/persistence-queue.js';
import { createDeadLetters } from '../../src/persistence/redis-dead-letters.js';
import { createRedisPersistenceQueue } from '../../src/persistence/redis-persistence-queue.js';
import { persistenceKeys } from '../../src/persistence/redis-persistence-keys.js';
import { createPersistenceWorker, type PersistenceWorkerOptions } from '../../src/persistence/redis-persistence-worker.js';
import { eventually, sleep } from '../support/gateway.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const redis = new Redis(REDIS_URL);
const cleanups: Array<() => Promise<unknown>> = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = persistenceKeys(prefix);
    await redis.del(keys.stream, keys.deadLetters);
  }
  redis.disconnect();
});

function setup() {
  const prefix = `test-persist-${randomUUID()}`;
  prefixes.push(prefix);
  const keys = persistenceKeys(prefix);
  const queue = createRedisPersistenceQueue({ url: REDIS_URL, prefix, logger });
  cleanups.push(() => queue.close());
  const startWorker = (save: SaveMessage, options: Partial<PersistenceWorkerOptions> = {}) => {
    const worker = createPersistenceWorker({
      redisUrl: REDIS_URL,
      prefix,
      save,
      logger,
      consumerName: `worker-${randomUUID()}`,
      retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 400 },
      blockMs: 200,
      trimIntervalMs: 200,
      ...options,
    });
    worker.start();
    cleanups.push(() => worker.stop());
    return worker;
  };
  return { prefix, keys, queue, startWorker };
}

let seq = 0;
function message(groupId = 'g1', content = `message ${seq + 1}`): ChatMessage {
  return {
    id: randomUUID(),
    groupId,
    seq: ++seq,
    sender: { id: 'alice' },
    msgType: 'TEXT',
    content,
    imageUrl: null,
    clientMessageId: null,
    createdAt: Date.now(),
  };
}

/** A save into an array, failing while `failing` says so. */
function recorder(failing: (message: ChatMessage) => Error | undefined = () => undefined) {
  const stored: ChatMessage[] = [];
  const calls: ChatMessage[] = [];
  const save: SaveMessage = async (saved) => {
    calls.push(saved);
    const error = failing(saved);
    if (error) throw error;
    if (!stored.some((known) => known.id === saved.id)) stored.push(saved);
  };
  return { stored, calls, save };
}

/** A batch save into `stored`, recording the size of each batch. */
function batchRecorder(stored: ChatMessage[]) {
  const batches: number[] = [];
  const saveBatch: SaveMessages = async (batch) => {
    batches.push(batch.length);
    for (const saved of batch) stored.push(saved);
  };
  return { batches, saveBatch };
}

describe('RedisPersistenceQueue and its worker', () => {
  it('stores every queued message once, acknowledges it and trims it off the stream', async () => {
    const { keys, queue, startWorker } = setup();
    const messages = Array.from({ length: 50 }, () => message());
    for (const queued of messages) await queue.enqueue(queued);
    expect(await queue.stats()).toMatchObject({ depth: 50, length: 50, deadLetters: 0 });

    const { stored, calls, save } = recorder();
    startWorker(save);
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id)));
    expect(calls).toHaveLength(50);
    await eventually(async () => expect(await queue.stats()).toMatchObject({ depth: 0, pending: 0 }));
    await eventually(async () => expect(await redis.xlen(keys.stream)).toBeLessThanOrEqual(1));
  });

  it('stores what one read brings in one batch call, in order', async () => {
    const { queue, startWorker } = setup();
    const messages = Array.from({ length: 50 }, () => message());
    for (const queued of messages) await queue.enqueue(queued);

    const { stored, calls, save } = recorder();
    const batches: ChatMessage[][] = [];
    const saveBatch: SaveMessages = async (batch) => {
      batches.push(batch);
      for (const saved of batch) if (!stored.some((known) => known.id === saved.id)) stored.push(saved);
    };
    startWorker(save, { saveBatch, batchSize: 32 });
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id)));
    expect(batches.map((batch) => batch.length)).toEqual([32, 18]);
    expect(calls).toEqual([]);
    await eventually(async () => expect(await queue.stats()).toMatchObject({ depth: 0, pending: 0 }));
  });

  it('gathers a trickle of messages into batches, and stores each of them', async () => {
    const { queue, startWorker } = setup();
    const { stored, calls, save } = recorder();
    const { batches, saveBatch } = batchRecorder(stored);
    startWorker(save, { saveBatch, gatherMs: 50 });
    const messages = Array.from({ length: 40 }, () => message());
    for (const queued of messages) {
      await queue.enqueue(queued);
      await sleep(5);
    }
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id)));
    // One message every 5 ms, one read every 50 ms at most: far fewer calls than messages.
    expect(batches.length + calls.length).toBeLessThan(20);
  });

  it('by default stores a steady stream many messages per call, and the first of a quiet spell at once', async () => {
    const { queue, startWorker } = setup();
    const { stored, calls, save } = recorder();
    const { batches, saveBatch } = batchRecorder(stored);
    let firstSavedAt = 0;
    startWorker((saved) => ((firstSavedAt ||= performance.now()), save(saved)), { saveBatch });
    await sleep(200);
    const lone = message();
    const enqueuedAt = performance.now();
    await queue.enqueue(lone);
    await eventually(() => expect(stored.map((m) => m.id)).toEqual([lone.id]));
    expect(firstSavedAt - enqueuedAt).toBeLessThan(40);

    // 150 messages, one every 2 ms or so: about one call per 50 ms of sending (a batch of 32 and a
    // 10 ms wait made one per 10–15 ms).
    const steady = Array.from({ length: 150 }, () => message());
    const startedAt = performance.now();
    for (const queued of steady) {
      await queue.enqueue(queued);
      await sleep(2);
    }
    const sendingMs = performance.now() - startedAt;
    await eventually(() => expect(stored).toHaveLength(151));
    expect(stored.map((m) => m.id)).toEqual([lone, ...steady].map((m) => m.id));
    expect(batches.length + calls.length).toBeLessThanOrEqual(3 + sendingMs / 40);
  });

  it('saves a refused batch entry by entry, holding back only the refused message', async () => {
    const { keys, queue, startWorker } = setup();
    const poison = message('g1', 'poison');
    const refusal = () => badUserInput('Seq 2 of group "g1" is already taken by another message.');
    const { stored, calls, save } = recorder((saved) => (saved.id === poison.id ? refusal() : undefined));
    let batchCalls = 0;
    const saveBatch: SaveMessages = async (batch) => {
      batchCalls++;
      if (batch.some((saved) => saved.id === poison.id)) throw refusal();
      for (const saved of batch) stored.push(saved);
    };
    const messages = [message(), poison, message(), message()];
    for (const queued of messages) await queue.enqueue(queued);
    startWorker(save, { saveBatch });

    const others = messages.filter((m) => m !== poison);
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(others.map((m) => m.id)));
    await eventually(async () => expect(await redis.xlen(keys.deadLetters)).toBe(1));
    expect(batchCalls).toBe(1);
    expect(calls.filter((call) => call.id === poison.id)).toHaveLength(3);
  });

  it('holds a whole batch back while the Chat service does not answer, probing with one message', async () => {
    const { queue, startWorker } = setup();
    let down = true;
    const unavailable = () => (down ? new Error('14 UNAVAILABLE: connect ECONNREFUSED') : undefined);
    const { stored, calls, save } = recorder(unavailable);
    let batchCalls = 0;
    const saveBatch: SaveMessages = async (batch) => {
      batchCalls++;
      const error = unavailable();
      if (error) throw error;
      for (const saved of batch) stored.push(saved);
    };
    const messages = Array.from({ length: 10 }, () => message());
    for (const queued of messages) await queue.enqueue(queued);
    startWorker(save, { saveBatch });

    await sleep(1500);
    expect(stored).toEqual([]);
    // One batch, then backoff: each pause ends with one probe, not with every message again.
    expect(batchCalls).toBe(1);
    expect(calls.length).toBeLessThan(10);
    expect((await queue.stats()).deadLetters).toBe(0);

    down = false;
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id)));
    expect((await queue.stats()).deadLetters).toBe(0);
  });

  it('waits out an outage of the Chat service with backoff, counting none of it towards dead letters', async () => {
    const { queue, startWorker } = setup();
    let down = true;
    const { stored, calls, save } = recorder(() => (down ? new Error('14 UNAVAILABLE: connect ECONNREFUSED') : undefined));
    startWorker(save);
    const messages = Array.from({ length: 10 }, () => message());
    for (const queued of messages) await queue.enqueue(queued);

    // Far more time than three deliveries need: an outage must not use up the attempts.
    await sleep(2000);
    expect(stored).toEqual([]);
    // Backoff: each pause is followed by one probe, not by a retry of every message.
    expect(calls.length).toBeLessThan(40);
    expect((await queue.stats()).deadLetters).toBe(0);

    down = false;
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id)));
    expect((await queue.stats()).deadLetters).toBe(0);
  });

  it('moves a message the Chat service keeps refusing to the dead letters, and the rest flow on', async () => {
    const { keys, queue, startWorker } = setup();
    const poison = message('g1', 'poison');
    const { stored, calls, save } = recorder((saved) =>
      saved.id === poison.id ? badUserInput('Seq 2 of group "g1" is already taken by another message.') : undefined,
    );
    const deadLettered: string[] = [];
    startWorker(save, { onDeadLetter: (entryId) => deadLettered.push(entryId) });
    const before = message();
    await queue.enqueue(before);
    await queue.enqueue(poison);
    const after = Array.from({ length: 5 }, () => message());
    for (const queued of after) await queue.enqueue(queued);

    await eventually(() => expect(stored.map((m) => m.id)).toEqual([before, ...after].map((m) => m.id)));
    await eventually(async () => expect(await redis.xlen(keys.deadLetters)).toBe(1));
    expect(calls.filter((call) => call.id === poison.id)).toHaveLength(3);
    // The worker hears of the move once Redis answers its transaction, which may be after the stream shows it.
    await eventually(() => expect(deadLettered).toHaveLength(1));

    const [letter] = await createDeadLetters(redis, keys.stream.replace(/:persist$/, '')).list();
    expect(letter).toMatchObject({ messageId: poison.id, groupId: 'g1', attempts: 3, entryId: deadLettered[0] });
    expect(letter!.error).toMatch(/already taken/);
    expect(JSON.parse(letter!.message)).toEqual(poison);
    await eventually(async () => expect(await queue.stats()).toMatchObject({ depth: 0, pending: 0, deadLetters: 1 }));
  });

  it('replays dead letters onto the stream, where they are stored once fixed', async () => {
    const { prefix, keys, queue, startWorker } = setup();
    let broken = true;
    const { stored, save } = recorder(() => (broken ? badUserInput('Group "g1" does not exist.') : undefined));
    startWorker(save, { retry: { maxAttempts: 1, baseDelayMs: 50, maxDelayMs: 100 } });
    const messages = [message(), message(), message()];
    for (const queued of messages) await queue.enqueue(queued);
    await eventually(async () => expect(await redis.xlen(keys.deadLetters)).toBe(3));

    broken = false;
    const deadLetters = createDeadLetters(redis, prefix);
    const [first, ...rest] = await deadLetters.list();
    expect(await deadLetters.replay([first!.id, '1-1'])).toEqual([first!.id]);
    await eventually(() => expect(stored.map((m) => m.id)).toEqual([messages[0]!.id]));
    expect(await deadLetters.replay()).toEqual(rest.map((letter) => letter.id));
    await eventually(() => expect(stored.map((m) => m.id).sort()).toEqual(messages.map((m) => m.id).sort()));
    expect(await deadLetters.count()).toBe(0);
  });

  it('takes over what a dead worker left pending, once it has been idle for claimIdleMs', async () => {
    const { keys, queue, startWorker } = setup();
    const messages = [message(), message(), message()];
    for (const queued of messages) await queue.enqueue(queued);
    // A worker that read the entries and died before acknowledging them.
    await redis.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
    await redis.call('XREADGROUP', 'GROUP', keys.group, 'dead-worker', 'COUNT', '10', 'STREAMS', keys.stream, '>');
    expect((await queue.stats()).pending).toBe(3);

    const { stored, save } = recorder();
    const started = Date.now();
    startWorker(save, { claimIdleMs: 500 });
    await eventually(() => expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await eventually(async () => expect(await queue.stats()).toMatchObject({ depth: 0, pending: 0 }));
  });

  it('dead-letters a message whose workers keep dying while storing it', async () => {
    const { keys, queue, startWorker } = setup();
    const doomed = message();
    await queue.enqueue(doomed);
    await redis.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
    // Three deliveries, none acknowledged: as if each worker that took it crashed.
    const [[, [[entryId]]]] = (await redis.call('XREADGROUP', 'GROUP', keys.group, 'crashed', 'STREAMS', keys.stream, '>')) as [
      [string, [[string]]],
    ];
    await redis.call('XCLAIM', keys.stream, keys.group, 'crashed-again', '0', entryId);
    await redis.call('XCLAIM', keys.stream, keys.group, 'crashed-once-more', '0', entryId);

    const { stored, save } = recorder();
    startWorker(save, { claimIdleMs: 100 });
    await eventually(async () => expect(await redis.xlen(keys.deadLetters)).toBe(1));
    expect(stored).toEqual([]);
    const [letter] = await createDeadLetters(redis, keys.stream.replace(/:persist$/, '')).list();
    expect(letter).toMatchObject({ entryId, messageId: doomed.id, attempts: 3 });
    expect(letter!.error).toMatch(/not acknowledged after 3 deliveries/);
  });

  it('never trims an entry that is pending or not yet delivered', async () => {
    const { keys, queue, startWorker } = setup();
    const stuck = message('g1', 'stuck');
    let release = false;
    const { stored, save } = recorder((saved) =>
      saved.id === stuck.id && !release ? new Error('deadline exceeded') : undefined,
    );
    await queue.enqueue(message());
    await queue.enqueue(stuck);
    startWorker(save);
    await sleep(600);
    // The stuck entry (and everything after it) must still be in the stream.
    const ids = ((await redis.xrange(keys.stream, '-', '+')) as Array<[string, string[]]>).map(([, fields]) =>
      JSON.parse(fields[1]!).id,
    );
    expect(ids).toContain(stuck.id);
    release = true;
    await eventually(() => expect(stored.map((m) => m.id)).toContain(stuck.id));
  });

  it('refuses to enqueue at once while Redis is unreachable', async () => {
    const queue = createRedisPersistenceQueue({ url: 'redis://127.0.0.1:1', prefix: 'unreachable', logger, commandTimeoutMs: 300 });
    cleanups.push(() => queue.close());
    // The first command waits for the first connection, up to the command timeout.
    await expect(queue.enqueue(message())).rejects.toThrow();
    const started = Date.now();
    await expect(queue.enqueue(message())).rejects.toThrow();
    await expect(queue.stats()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(100);
  });
});
