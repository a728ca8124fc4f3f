import { Gauge, type Registry } from 'prom-client';
import type { PersistenceQueue, QueueStats } from './persistence-queue.js';

/**
 * Gauges of the queue's backlog, read from the queue when Prometheus scrapes. One `stats()` call
 * serves all of them; while it fails (Redis down) they keep their last value rather than failing
 * the whole scrape.
 */
export function registerQueueGauges(registry: Registry, queue: PersistenceQueue): void {
  let current: { at: number; stats: Promise<QueueStats | undefined> } | undefined;
  const stats = () => {
    if (!current || Date.now() - current.at > 500) {
      current = { at: Date.now(), stats: queue.stats().catch(() => undefined) };
    }
    return current.stats;
  };
  const gauge = (name: string, help: string, read: (stats: QueueStats) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const latest = await stats();
        const value = latest && read(latest);
        if (value !== undefined) this.set(value);
      },
    });
  gauge('campushub_persistence_queue_depth', 'Acked messages not yet stored by the Chat service.', (s) => s.depth);
  gauge('campushub_persistence_queue_pending', 'Messages handed to a worker and not yet acknowledged (Redis).', (s) => s.pending);
  gauge('campushub_persistence_dead_letters', 'Messages waiting in the dead-letter stream for an operator.', (s) => s.deadLetters);
}
