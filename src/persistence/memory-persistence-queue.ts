import type { Logger } from 'pino';
import type { ChatMessage } from '../model.js';
import type { PersistenceQueue, SaveMessage } from './persistence-queue.js';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from './retry-policy.js';

export interface MemoryPersistenceQueueOptions {
  save: SaveMessage;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** Messages saved at once, default 16. */
  concurrency?: number;
  /** How long close() waits for the queue to drain, default 5 s. */
  drainTimeoutMs?: number;
  /** Told of each save: its duration, or its failure. */
  onSaved?: (durationMs: number) => void;
  onRetry?: (message: ChatMessage, attempt: number, error: unknown) => void;
  onDeadLetter?: (message: ChatMessage, error: unknown) => void;
}

/**
 * The single-process queue: a worker inside the gateway saves messages as they come, retrying with
 * backoff while the Chat service fails. It lives and dies with the process; durable queueing needs
 * Redis.
 */
export function createMemoryPersistenceQueue(options: MemoryPersistenceQueueOptions): PersistenceQueue {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const concurrency = options.concurrency ?? 16;
  const pending: ChatMessage[] = [];
  const deadLetters: ChatMessage[] = [];
  let inFlight = 0;
  let closing = false;
  const idleWaiters: Array<() => void> = [];
  const timers = new Set<NodeJS.Timeout>();

  const pump = () => {
    while (inFlight < concurrency && pending.length > 0 && !closing) {
      void attempt(pending.shift()!, 1);
    }
    if (inFlight === 0 && pending.length === 0 && timers.size === 0) {
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  };

  const attempt = async (message: ChatMessage, attemptNo: number): Promise<void> => {
    inFlight++;
    const started = performance.now();
    try {
      await options.save(message);
      options.onSaved?.(performance.now() - started);
    } catch (error) {
      if (attemptNo >= policy.maxAttempts) {
        deadLetters.push(message);
        options.logger.error({ err: error, messageId: message.id, groupId: message.groupId }, 'message moved to dead letters');
        options.onDeadLetter?.(message, error);
      } else {
        options.onRetry?.(message, attemptNo, error);
        const timer = setTimeout(() => {
          timers.delete(timer);
          void attempt(message, attemptNo + 1);
        }, retryDelayMs(policy, attemptNo));
        timers.add(timer);
      }
    } finally {
      inFlight--;
      pump();
    }
  };

  return {
    async enqueue(message) {
      if (closing) throw new Error('The persistence queue is closed.');
      pending.push(message);
      pump();
    },
    async stats() {
      return { depth: pending.length + inFlight + timers.size, deadLetters: deadLetters.length };
    },
    async close() {
      if (inFlight > 0 || pending.length > 0 || timers.size > 0) {
        const drained = new Promise<void>((resolve) => idleWaiters.push(resolve));
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 5_000).unref());
        await Promise.race([drained, timeout]);
      }
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const left = pending.length + inFlight;
      if (left > 0) options.logger.error({ left }, 'persistence queue closed with messages not stored');
    },
  };
}
