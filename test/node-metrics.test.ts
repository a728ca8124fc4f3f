import { open, type FileHandle } from 'node:fs/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collectNodeMetrics } from '../src/node-metrics.js';
import { eventually } from './support/gateway.js';

/** A full collection, as `--expose-gc` would run it, for a test that must see one. */
function runFullCollection(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const openFds = (text: string) => Number(/^test_process_open_fds (\d+)$/m.exec(text)?.[1]);

/** Collections the GC duration histogram counted, of every kind. */
const gcCount = (text: string) => [...text.matchAll(/^test_nodejs_gc_duration_seconds_count\{kind="\w+"\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);

describe("Node's own metrics", () => {
  it("keep prom-client's defaults but those that list every handle on each scrape", async () => {
    const registry = new Registry();
    collectNodeMetrics(registry, 'test_');
    const text = await registry.metrics();
    for (const kept of ['test_process_cpu_user_seconds_total', 'test_process_resident_memory_bytes', 'test_nodejs_heap_size_used_bytes', 'test_nodejs_eventloop_lag_max_seconds', 'test_nodejs_gc_duration_seconds', 'test_process_max_fds']) {
      expect(text).toContain(`# TYPE ${kept} `);
    }
    expect(text).not.toMatch(/nodejs_active_(handles|resources)/);
  });

  it('tell the heap in use just after the latest full collection', async () => {
    const registry = new Registry();
    collectNodeMetrics(registry, 'test_');
    const afterFullGc = async () => Number(/^test_nodejs_heap_used_after_major_gc_bytes (\d+)$/m.exec(await registry.metrics())?.[1]);
    // Kept across a full collection: 64 MiB the heap must still hold after it.
    const kept = Array.from({ length: 64 }, () => new Array<number>(128 * 1024).fill(1.5));
    runFullCollection();
    await eventually(async () => expect(await afterFullGc()).toBeGreaterThan(64 * 2 ** 20));
    const holding = await afterFullGc();
    kept.length = 0;
    runFullCollection();
    await eventually(async () => expect(await afterFullGc()).toBeLessThan(holding - 48 * 2 ** 20));
  });

  it('count every collection, also those Node reports together in one batch', async () => {
    const registry = new Registry();
    collectNodeMetrics(registry, 'test_');
    const seen = { collections: 0, largestBatch: 0 };
    const observer = new PerformanceObserver((list) => {
      seen.collections += list.getEntries().length;
      seen.largestBatch = Math.max(seen.largestBatch, list.getEntries().length);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      // Young collections, then two full ones, all in one turn: Node reports them together.
      let young: object[] = [];
      for (let i = 0; i < 3_000_000; i++) {
        young.push({ i });
        if (young.length > 1000) young = [];
      }
      runFullCollection();
      runFullCollection();
      await eventually(async () => {
        expect(seen.largestBatch).toBeGreaterThan(1);
        expect(gcCount(await registry.metrics())).toBe(seen.collections);
      });
    } finally {
      observer.disconnect();
    }
  });

  it('count the open file descriptors', async () => {
    const registry = new Registry();
    collectNodeMetrics(registry, 'test_');
    const before = openFds(await registry.metrics());
    const files: FileHandle[] = [];
    try {
      for (let i = 0; i < 20; i++) files.push(await open('/dev/null'));
      expect(openFds(await registry.metrics())).toBe(before + 20);
    } finally {
      await Promise.all(files.map((file) => file.close()));
    }
    expect(openFds(await registry.metrics())).toBe(before);
  });

  it('list the descriptors off the event loop, which runs while a scrape waits for them', async () => {
    const registry = new Registry();
    collectNodeMetrics(registry, 'test_');
    let loopTurned = false;
    const scrape = registry.metrics();
    setImmediate(() => (loopTurned = true));
    expect(openFds(await scrape)).toBeGreaterThan(0);
    expect(loopTurned).toBe(true);
  });
});
