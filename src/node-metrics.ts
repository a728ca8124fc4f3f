import { readdir } from 'node:fs/promises';
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's defaults that list every active handle or resource on each scrape: with 10,000
 * sockets open that holds the event loop for about 15 ms, and they count little the sockets gauge
 * does not.
 */
const PER_HANDLE_METRICS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'];

const OPEN_FDS = 'process_open_fds';

/**
 * Node's own metrics (prom-client's defaults: CPU, memory, heap spaces, GC, event-loop lag, file
 * descriptors) without those whose cost grows with the open sockets, so that a scrape does not
 * stall deliveries. The open file descriptors are still counted, but their directory is read on
 * the thread pool (prom-client reads it synchronously: about 20 ms at 10,000 sockets).
 */
export function collectNodeMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of PER_HANDLE_METRICS) registry.removeSingleMetric(prefix + name);
  if (registry.getSingleMetric(prefix + OPEN_FDS) === undefined) return;
  registry.removeSingleMetric(prefix + OPEN_FDS);
  new Gauge({
    name: prefix + OPEN_FDS,
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      try {
        // Less the descriptor the listing itself held open.
        this.set((await readdir('/proc/self/fd')).length - 1);
      } catch {
        // Left at its last value: a scrape must not fail for it.
      }
    },
  });
}
