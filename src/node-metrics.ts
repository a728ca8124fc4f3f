import { readdir } from 'node:fs/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's defaults that list every active handle or resource on each scrape: with 10,000
 * sockets open that holds the event loop for about 15 ms, and they count little the sockets gauge
 * does not.
 */
const PER_HANDLE_METRICS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'];

const OPEN_FDS = 'process_open_fds';

const GC_DURATION = 'nodejs_gc_duration_seconds';
/** prom-client's own buckets for it. */
const GC_DURATION_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * Node's own metrics (prom-client's defaults: CPU, memory, heap spaces, GC, event-loop lag, file
 * descriptors) without those whose cost grows with the open sockets, so that a scrape does not
 * stall deliveries. The open file descriptors are still counted, but their directory is read on
 * the thread pool (prom-client reads it synchronously: about 20 ms at 10,000 sockets). The GC
 * durations count every collection: prom-client's observer counts only the first of the
 * collections Node reports in one batch.
 */
export function collectNodeMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of PER_HANDLE_METRICS) registry.removeSingleMetric(prefix + name);
  registry.removeSingleMetric(prefix + GC_DURATION);
  watchCollections(registry, prefix);
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

/**
 * Every collection's duration by kind, as prom-client's `nodejs_gc_duration_seconds` would be if it
 * counted them all, and the V8 heap in use just after the latest full (mark-compact) collection:
 * what the heap comes back to, which grows only when something is kept. The heap in use at a
 * scrape also holds the garbage made since the last collection, as much as the sawtooth is high,
 * so a leak hides in it.
 */
function watchCollections(registry: Registry, prefix: string): void {
  const durations = new Histogram({
    name: prefix + GC_DURATION,
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    labelNames: ['kind'],
    buckets: GC_DURATION_BUCKETS,
    registers: [registry],
  });
  const heapAfterFullGc = new Gauge({
    name: `${prefix}nodejs_heap_used_after_major_gc_bytes`,
    help: 'V8 heap in use just after the latest full (mark-compact) garbage collection; 0 before the first.',
    registers: [registry],
  });
  new PerformanceObserver((list) => {
    let major = false;
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      durations.observe({ kind: GC_KINDS[kind] ?? 'unknown' }, entry.duration / 1000);
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major = true;
    }
    // Entries come a little after their collection: what was allocated meanwhile is counted too.
    if (major) heapAfterFullGc.set(getHeapStatistics().used_heap_size);
  }).observe({ entryTypes: ['gc'] });
}
