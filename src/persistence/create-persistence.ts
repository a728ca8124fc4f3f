import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { createMemoryPersistenceQueue } from './memory-persistence-queue.js';
import type { PersistenceQueue, SaveMessage, SaveMessages } from './persistence-queue.js';
import { registerQueueGauges } from './queue-metrics.js';
import { createRedisPersistenceQueue } from './redis-persistence-queue.js';
import { createPersistenceWorker, type PersistenceWorker } from './redis-persistence-worker.js';

export interface PersistenceOptions {
  config: Config;
  save: SaveMessage;
  /** Stores what the worker reads at once in one call; without it, one `save` per message. */
  saveBatch?: SaveMessages;
  logger: Logger;
  metrics: Metrics;
}

export interface Persistence {
  queue: PersistenceQueue;
  /** Present with Redis when `PERSISTENCE_WORKER` is on. */
  worker?: PersistenceWorker;
  /** Stops the worker (its saves in flight finish), then closes the queue. */
  close(): Promise<void>;
}

/** A name no other running worker has: another process, or another server in this process. */
export function workerConsumerName(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The persistence queue of the configuration: in memory without Redis; with Redis the persistence
 * stream, and (unless `PERSISTENCE_WORKER=false`) a worker in this instance storing from it.
 */
export function createPersistence(options: PersistenceOptions): Persistence {
  const { config, save, metrics } = options;
  const logger = options.logger.child({ component: 'persistence' });
  const onSaved = (ms: number) => metrics.saveDuration.observe(ms / 1000);
  const onRetry = () => metrics.saveRetries.inc();
  const onDeadLetter = () => metrics.deadLetters.inc();

  if (!config.redisUrl) {
    const queue = createMemoryPersistenceQueue({
      save,
      logger,
      retry: { maxAttempts: config.persistence.maxAttempts },
      onSaved,
      onRetry: (message, attempt, error) => {
        onRetry();
        logger.warn({ err: error, messageId: message.id, attempt }, 'saving a message failed; retrying');
      },
      onDeadLetter,
    });
    registerQueueGauges(metrics.registry, queue);
    return { queue, close: () => queue.close() };
  }

  const queue = createRedisPersistenceQueue({ url: config.redisUrl, prefix: config.redisPrefix, logger });
  registerQueueGauges(metrics.registry, queue);
  const worker = config.persistence.worker
    ? createPersistenceWorker({
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        save,
        saveBatch: options.saveBatch,
        logger,
        consumerName: workerConsumerName(),
        retry: { maxAttempts: config.persistence.maxAttempts },
        claimIdleMs: config.persistence.claimIdleMs,
        onSaved,
        onRetry,
        onDeadLetter,
      })
    : undefined;
  worker?.start();
  return {
    queue,
    worker,
    async close() {
      await worker?.stop();
      await queue.close();
    },
  };
}
