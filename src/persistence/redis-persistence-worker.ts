import type { Logger } from 'pino';
import type { ChatMessage } from '../model.js';
import { closeRedisConnection, createRedisConnection, redisReady } from '../redis/redis-connection.js';
import type { SaveMessage, SaveMessages } from './persistence-queue.js';
import {
  PERSIST_MESSAGE_FIELD,
  ensureConsumerGroup,
  isNoGroupError,
  persistenceKeys,
} from './redis-persistence-keys.js';
import {
  parseEntry,
  parseInfoList,
  parsePendingEntries,
  parsePendingSummary,
  parseReadGroup,
  type StreamEntry,
} from './redis-stream-replies.js';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from './retry-policy.js';

export interface PersistenceWorkerOptions {
  /** The Redis holding the persistence stream (`REDIS_URL`). */
  redisUrl: string;
  /** Key prefix (`REDIS_PREFIX`); the stream is `<prefix>:persist`. */
  prefix: string;
  /** Stores one message; must be idempotent on the message id (SaveMessage of the Chat service is). */
  save: SaveMessage;
  /**
   * Stores the entries of one read in one call. When it fails because the Chat service refused
   * something, each entry is saved again on its own with `save`, so that only the refused ones
   * are held back; when the service does not answer, the whole read waits as one.
   */
  saveBatch?: SaveMessages;
  logger: Logger;
  /** This worker's name in the consumer group; unique per running worker (host and pid, say). */
  consumerName: string;
  /**
   * Deliveries before an entry becomes a dead letter (`maxAttempts`, default 8) and the backoff
   * between them (default 100 ms doubling to 10 s, with jitter). Only deliveries the Chat service
   * refused, or that a worker died during, count; see `isRefusal`.
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Whether a failed save was the Chat service saying no (a conflicting or malformed message), as
   * opposed to not answering (down, slow, overloaded). A refusal counts towards the dead-letter
   * limit and the stream flows on past it; anything else pauses the whole worker with backoff and
   * does not count, so an outage of any length never turns messages into dead letters. Default: a
   * GraphQL error whose `extensions.code` is BAD_USER_INPUT, NOT_FOUND or FORBIDDEN, as the Chat
   * RPC client throws them.
   */
  isRefusal?: (error: unknown) => boolean;
  /** Entries read (and saved concurrently) at once, default 128. */
  batchSize?: number;
  /**
   * After a read that did not fill a batch, how long the worker waits before reading again, so that
   * a stream of messages is stored many per call rather than one call each; default 50 ms. The ack
   * does not wait for it: it only delays when the Chat service has the message. The first message
   * after a quiet spell is read at once. Each round (the read, the Chat service call, the
   * acknowledgement) costs the process about as much as storing a few dozen messages, and a worker
   * inside a gateway takes that from the event loop serving the sockets.
   */
  gatherMs?: number;
  /** How long a read waits for new entries, default 1000 ms; also bounds how long `stop()` takes. */
  blockMs?: number;
  /** A pending entry idle this long belongs to a worker presumed dead and is taken over, default 30 s. */
  claimIdleMs?: number;
  /** How often to look for such entries, default 5 s (half of `claimIdleMs` when that is shorter). */
  claimIntervalMs?: number;
  /** How often to trim stored entries off the stream, default 10 s. */
  trimIntervalMs?: number;
  /** Consumers idle this long with nothing pending are removed from the group, default 1 hour. */
  forgetConsumerAfterMs?: number;
  /** A Redis command without an answer within this time fails, default 2000 ms (plus `blockMs` for reads). */
  commandTimeoutMs?: number;
  onSaved?: (durationMs: number) => void;
  onRetry?: (entryId: string, deliveries: number, error: unknown) => void;
  onDeadLetter?: (entryId: string, error: string) => void;
}

export interface PersistenceWorker {
  /** Starts reading; a no-op when already running. */
  start(): void;
  /** Stops reading, lets the saves in flight finish and acknowledges them, then disconnects. */
  stop(): Promise<void>;
}

const refusalCodes = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN']);

export function isChatRefusal(error: unknown): boolean {
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' && refusalCodes.has(code);
}

class MalformedEntryError extends Error {}

/** Redis itself failing is retried quickly and for ever: nothing is lost while it is down. */
const redisRetryPolicy: RetryPolicy = { maxAttempts: Infinity, baseDelayMs: 100, maxDelayMs: 2000 };

/** Pending entries looked at per round of retries. */
const PENDING_SCAN = 100;

/**
 * Stores what the persistence stream holds, in a consumer group shared by every worker: an entry is
 * acknowledged only after the Chat service stored it, so a worker dying at any point leaves the
 * entry pending, and another worker takes it over once it has been idle for `claimIdleMs`. Entries
 * the Chat service keeps refusing move to the dead-letter stream after `maxAttempts` deliveries,
 * counted by Redis (XCLAIM increments the count before each retry), so the count survives crashes.
 * Stored entries are trimmed off the stream, never one still pending or not yet delivered.
 */
export function createPersistenceWorker(options: PersistenceWorkerOptions): PersistenceWorker {
  const keys = persistenceKeys(options.prefix);
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const isRefusal = options.isRefusal ?? isChatRefusal;
  const consumer = options.consumerName;
  const batchSize = options.batchSize ?? 128;
  const blockMs = options.blockMs ?? 1000;
  const gatherMs = options.gatherMs ?? 50;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const claimIntervalMs = options.claimIntervalMs ?? Math.min(5_000, Math.max(100, claimIdleMs / 2));
  const trimIntervalMs = options.trimIntervalMs ?? 10_000;
  const forgetConsumerAfterMs = options.forgetConsumerAfterMs ?? 3_600_000;
  const logger = options.logger.child({ consumer });

  let redis: ReturnType<typeof createRedisConnection> | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  let groupReady = false;
  let nextClaimAt = 0;
  let nextTrimAt = 0;
  /** While the Chat service does not answer, nothing is attempted before this time. */
  let pausedUntil = 0;
  let unansweredInARow = 0;
  /** Whether this consumer may have entries to retry; saves an XPENDING per read when it has none. */
  let mayHavePending = true;
  /** When each of this consumer's failed entries is next due; absent means due now. */
  const retryAt = new Map<string, number>();
  const lastErrors = new Map<string, string>();

  const forget = (id: string) => {
    retryAt.delete(id);
    lastErrors.delete(id);
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const decode = (entry: StreamEntry): ChatMessage => {
    const json = entry.fields[PERSIST_MESSAGE_FIELD];
    try {
      const message = JSON.parse(json ?? '') as ChatMessage;
      if (typeof message?.id === 'string' && typeof message.groupId === 'string') return message;
    } catch {
      // Reported below like any other malformed entry.
    }
    throw new MalformedEntryError(`Entry ${entry.id} holds no valid "${PERSIST_MESSAGE_FIELD}" field.`);
  };

  /** Answers undefined when stored, else the error. */
  const trySave = async (entry: StreamEntry): Promise<unknown> => {
    const started = performance.now();
    try {
      await options.save(decode(entry));
    } catch (error) {
      return error ?? new Error('save failed');
    }
    options.onSaved?.(performance.now() - started);
    return undefined;
  };

  /** Saves what one read brought; answers, for each entry, undefined when stored, else the error. */
  const saveAll = async (entries: StreamEntry[]): Promise<unknown[]> => {
    if (!options.saveBatch || entries.length < 2) return Promise.all(entries.map(trySave));
    let messages: ChatMessage[];
    try {
      messages = entries.map(decode);
    } catch {
      // A malformed entry is reported by the single saves, alone.
      return Promise.all(entries.map(trySave));
    }
    const started = performance.now();
    try {
      await options.saveBatch(messages);
    } catch (error) {
      if (isRefusal(error)) return Promise.all(entries.map(trySave));
      return entries.map(() => error ?? new Error('save failed'));
    }
    const durationMs = performance.now() - started;
    for (let i = 0; i < entries.length; i++) options.onSaved?.(durationMs);
    return entries.map(() => undefined);
  };

  const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

  const refused = async (entry: StreamEntry, deliveries: number, error: unknown) => {
    lastErrors.set(entry.id, errorText(error));
    if (deliveries >= policy.maxAttempts) {
      await deadLetter(entry.id, deliveries, entry);
      return;
    }
    retryAt.set(entry.id, Date.now() + retryDelayMs(policy, deliveries));
    mayHavePending = true;
    logger.warn({ err: error, entryId: entry.id, deliveries }, 'the Chat service refused a message; retrying later');
    options.onRetry?.(entry.id, deliveries, error);
  };

  /**
   * The Chat service did not answer: the attempt is handed back uncounted (RETRYCOUNT restores the
   * delivery count) and the worker pauses, so an outage neither hot-loops nor makes dead letters.
   */
  const unanswered = async (entries: StreamEntry[], deliveries: number, error: unknown) => {
    await redis!.call(
      'XCLAIM',
      keys.stream,
      keys.group,
      consumer,
      '0',
      ...entries.map((entry) => entry.id),
      'RETRYCOUNT',
      String(Math.max(0, deliveries - 1)),
      'JUSTID',
    );
    unansweredInARow++;
    const delay = retryDelayMs(policy, unansweredInARow);
    pausedUntil = Date.now() + delay;
    if (unansweredInARow === 1) logger.warn({ err: error }, 'the Chat service does not answer; pausing the persistence worker');
    for (const entry of entries) {
      retryAt.delete(entry.id);
      lastErrors.set(entry.id, errorText(error));
      options.onRetry?.(entry.id, deliveries, error);
    }
    mayHavePending = true;
  };

  const answered = () => {
    if (unansweredInARow > 0) logger.info('the Chat service answers again; persistence worker resumed');
    unansweredInARow = 0;
  };

  const deadLetter = async (id: string, deliveries: number, known?: StreamEntry) => {
    const entry = known ?? parseEntry(((await redis!.xrange(keys.stream, id, id)) as unknown[])[0]);
    if (!entry) {
      // Gone from the stream while pending: nothing left to store or to keep.
      await redis!.xack(keys.stream, keys.group, id);
      forget(id);
      return;
    }
    const json = entry.fields[PERSIST_MESSAGE_FIELD] ?? '';
    let messageId = '';
    let groupId = '';
    try {
      const message = JSON.parse(json) as Partial<ChatMessage>;
      messageId = String(message.id ?? '');
      groupId = String(message.groupId ?? '');
    } catch {
      // A malformed entry is kept as it is, for the operator to read.
    }
    const error = lastErrors.get(id) ?? `not acknowledged after ${deliveries} deliveries (its workers stopped?)`;
    // One transaction: the entry is never in both streams, nor in neither.
    const results = await redis!
      .multi()
      .xadd(keys.deadLetters, '*', PERSIST_MESSAGE_FIELD, json, 'entryId', id, 'messageId', messageId, 'groupId', groupId,
        'attempts', String(deliveries), 'error', error, 'consumer', consumer, 'failedAt', String(Date.now()))
      .xack(keys.stream, keys.group, id)
      .exec();
    const failed = results?.find(([commandError]) => commandError);
    if (!results || failed) throw failed?.[0] ?? new Error('moving a dead letter was aborted');
    forget(id);
    logger.error({ entryId: id, messageId, groupId, attempts: deliveries, error }, 'message moved to the dead-letter stream');
    options.onDeadLetter?.(id, error);
  };

  /** Retries this consumer's due entries, oldest first; answers true when the Chat service stopped answering. */
  const retryDue = async (): Promise<boolean> => {
    if (!mayHavePending) return false;
    const pending = parsePendingEntries(
      await redis!.call('XPENDING', keys.stream, keys.group, '-', '+', String(PENDING_SCAN), consumer),
    );
    if (pending.length < PENDING_SCAN) {
      // The whole list was seen: drop what others took over or what was acknowledged meanwhile.
      const ids = new Set(pending.map((entry) => entry.id));
      for (const id of retryAt.keys()) if (!ids.has(id)) forget(id);
      if (pending.length === 0) mayHavePending = false;
    }
    for (const { id, deliveries } of pending) {
      if (!running) return true;
      if ((retryAt.get(id) ?? 0) > Date.now()) continue;
      if (deliveries >= policy.maxAttempts) {
        await deadLetter(id, deliveries);
        continue;
      }
      const [raw] = (await redis!.call('XCLAIM', keys.stream, keys.group, consumer, '0', id)) as unknown[];
      const entry = parseEntry(raw);
      if (!entry) {
        await redis!.xack(keys.stream, keys.group, id);
        forget(id);
        continue;
      }
      const error = await trySave(entry);
      if (error === undefined) {
        await redis!.xack(keys.stream, keys.group, id);
        forget(id);
        answered();
      } else if (isRefusal(error) || error instanceof MalformedEntryError) {
        answered();
        await refused(entry, deliveries + 1, error);
      } else {
        await unanswered([entry], deliveries + 1, error);
        return true;
      }
    }
    return false;
  };

  const readNew = async () => {
    const dueTimes = [...retryAt.values()];
    const untilRetry = dueTimes.length > 0 ? Math.min(...dueTimes) - Date.now() : blockMs;
    const block = Math.max(1, Math.min(blockMs, untilRetry));
    const entries = parseReadGroup(
      await redis!.call('XREADGROUP', 'GROUP', keys.group, consumer, 'COUNT', String(batchSize), 'BLOCK', String(block),
        'STREAMS', keys.stream, '>'),
    );
    if (entries.length === 0) return;
    const errors = await saveAll(entries);
    const saved = entries.filter((_, index) => errors[index] === undefined);
    if (saved.length > 0) {
      await redis!.xack(keys.stream, keys.group, ...saved.map((entry) => entry.id));
      answered();
    }
    const unansweredEntries: StreamEntry[] = [];
    let lastUnanswered: unknown;
    for (const [index, entry] of entries.entries()) {
      const error = errors[index];
      if (error === undefined) continue;
      if (isRefusal(error) || error instanceof MalformedEntryError) {
        await refused(entry, 1, error);
      } else {
        unansweredEntries.push(entry);
        lastUnanswered = error;
      }
    }
    if (unansweredEntries.length > 0) await unanswered(unansweredEntries, 1, lastUnanswered);
    else if (entries.length < batchSize && gatherMs > 0 && running) await sleep(gatherMs);
  };

  /** Takes over entries left pending by workers presumed dead, and forgets long-gone consumers. */
  const adoptOrphans = async () => {
    let cursor = '0-0';
    for (let round = 0; round < 10 && running; round++) {
      const [next, ids] = (await redis!.call('XAUTOCLAIM', keys.stream, keys.group, consumer, String(claimIdleMs),
        cursor, 'COUNT', '100', 'JUSTID')) as [string, string[]];
      // JUSTID leaves the delivery count alone: the retry that follows counts as the next delivery.
      const adopted = ids.filter((id) => !retryAt.has(id));
      if (adopted.length > 0) {
        logger.warn({ count: adopted.length, claimIdleMs }, 'took over messages left pending by another worker');
        mayHavePending = true;
      }
      cursor = next;
      if (cursor === '0-0') break;
    }
    const consumers = parseInfoList(await redis!.call('XINFO', 'CONSUMERS', keys.stream, keys.group));
    for (const info of consumers) {
      if (info.name !== consumer && Number(info.pending) === 0 && Number(info.idle) > forgetConsumerAfterMs) {
        await redis!.call('XGROUP', 'DELCONSUMER', keys.stream, keys.group, String(info.name));
      }
    }
  };

  /**
   * Redis 7.0 cannot trim "acknowledged entries only", so the bound is computed: below the oldest
   * pending entry, and below the group's last delivered id (entries above it are not yet read).
   * Both are read in one transaction so that no delivery slips between them.
   */
  const trim = async () => {
    const results = await redis!
      .multi()
      .call('XINFO', 'GROUPS', keys.stream)
      .call('XPENDING', keys.stream, keys.group)
      .exec();
    const failed = results?.find(([commandError]) => commandError);
    if (!results || failed) throw failed?.[0] ?? new Error('reading the trim bound was aborted');
    const group = parseInfoList(results[0]![1]).find((info) => info.name === keys.group);
    const lastDelivered = String(group?.['last-delivered-id'] ?? '0-0');
    const bound = parsePendingSummary(results[1]![1]).smallestId ?? lastDelivered;
    if (bound === '0-0') return;
    const trimmed = await redis!.xtrim(keys.stream, 'MINID', bound);
    if (trimmed > 0) logger.debug({ trimmed, bound }, 'trimmed stored entries off the persistence stream');
  };

  const iterate = async () => {
    if (!groupReady) {
      await ensureConsumerGroup(redis!, keys);
      groupReady = true;
    }
    const now = Date.now();
    if (now >= nextClaimAt) {
      nextClaimAt = now + claimIntervalMs;
      await adoptOrphans();
    }
    if (now >= nextTrimAt) {
      nextTrimAt = now + trimIntervalMs;
      await trim();
    }
    if (now < pausedUntil) {
      await sleep(Math.min(pausedUntil - now, blockMs));
      return;
    }
    // Retries first: after an outage the oldest messages go in before newer ones.
    if (await retryDue()) return;
    if (running) await readNew();
  };

  const run = async () => {
    let redisFailures = 0;
    // The first connection attempt is not an outage: wait for it rather than warn about it.
    await redisReady(redis!, options.commandTimeoutMs ?? 2000).catch(() => {});
    while (running) {
      try {
        await iterate();
        if (redisFailures > 0) logger.info('persistence worker reconnected to Redis');
        redisFailures = 0;
      } catch (error) {
        if (!running) break;
        if (isNoGroupError(error)) groupReady = false;
        // A save may have gone through without its acknowledgement: look at what is pending again.
        mayHavePending = true;
        if (redisFailures === 0) logger.warn({ err: error }, 'persistence worker cannot reach Redis; retrying');
        redisFailures++;
        await sleep(retryDelayMs(redisRetryPolicy, redisFailures));
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      redis ??= createRedisConnection(options.redisUrl, {
        name: 'persistence-worker',
        logger,
        // A blocking read holds the connection for up to blockMs: it must not time out meanwhile.
        commandTimeoutMs: blockMs + (options.commandTimeoutMs ?? 2000),
      });
      loop = run();
    },

    async stop() {
      if (!redis) return;
      running = false;
      wake?.();
      await loop;
      const connection = redis;
      redis = undefined;
      await closeRedisConnection(connection);
    },
  };
}
