import { open, type FileHandle } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collectNodeMetrics } from '../src/node-metrics.js';

const openFds = (text: string) => Number(/^test_process_open_fds (\d+)$/m.exec(text)?.[1]);

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
