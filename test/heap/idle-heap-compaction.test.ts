import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompactingCollection } from '../../src/heap/compacting-collection.js';
import { startIdleHeapCompaction, type HeapReading, type IdleHeapCompaction, type IdleHeapCompactionOptions } from '../../src/heap/idle-heap-compaction.js';

const MB = 2 ** 20;

/** A heap, an event loop and a clock the test moves by hand; `collect` shrinks the heap to what is used. */
function fakeProcess() {
  const state = { committed: 100 * MB, used: 80 * MB, utilisation: 0, now: 0, collections: 0, failWith: undefined as Error | undefined };
  const options: Omit<IdleHeapCompactionOptions, 'growthBytes'> = {
    checkIntervalMs: 3_600_000,
    readHeap: (): HeapReading => ({ committedBytes: state.committed, usedBytes: state.used }),
    loopUtilisation: () => state.utilisation,
    now: () => state.now,
    collect: () => {
      if (state.failWith) throw state.failWith;
      state.collections++;
      state.used = 60 * MB;
      state.committed = 70 * MB;
    },
  };
  return { state, options };
}

const started: IdleHeapCompaction[] = [];
const start = (options: IdleHeapCompactionOptions) => {
  const compaction = startIdleHeapCompaction(options);
  started.push(compaction);
  return compaction;
};
afterEach(() => {
  for (const compaction of started.splice(0)) compaction.stop();
});

describe('idle heap compaction', () => {
  it('compacts once the heap has grown by the threshold and the event loop is quiet, and reports before, after and the pause', () => {
    const { state, options } = fakeProcess();
    const compaction = start({ ...options, growthBytes: 64 * MB });
    state.committed = 160 * MB;
    expect(compaction.check()).toBeUndefined();
    state.committed = 164 * MB;
    state.used = 150 * MB;
    const done = compaction.check();
    expect(state.collections).toBe(1);
    expect(done).toMatchObject({ before: { committedBytes: 164 * MB, usedBytes: 150 * MB }, after: { committedBytes: 70 * MB, usedBytes: 60 * MB } });
    expect(done!.pauseMs).toBeGreaterThanOrEqual(0);
  });

  it('never pauses a busy event loop, however large the heap', () => {
    const { state, options } = fakeProcess();
    const compaction = start({ ...options, growthBytes: 64 * MB, quietUtilisation: 0.1 });
    state.committed = 1000 * MB;
    state.utilisation = 0.1;
    expect(compaction.check()).toBeUndefined();
    state.utilisation = 0.9;
    expect(compaction.check()).toBeUndefined();
    expect(state.collections).toBe(0);
    state.utilisation = 0.05;
    expect(compaction.check()).toBeDefined();
  });

  it('waits until nothing has been delivered for a while: an idle loop may still be serving a trickle', () => {
    const { state, options } = fakeProcess();
    let delivered = 0;
    const compaction = start({ ...options, growthBytes: 64 * MB, activity: () => delivered, quietForMs: 3_000 });
    state.committed = 200 * MB;
    state.utilisation = 0.02;
    // Ten messages a second: the loop is nearly idle, yet each check finds new deliveries.
    for (let second = 1; second <= 5; second++) {
      state.now = second * 1000;
      delivered += 10;
      expect(compaction.check()).toBeUndefined();
    }
    state.now = 7_999;
    expect(compaction.check()).toBeUndefined();
    state.now = 8_000;
    expect(compaction.check()).toBeDefined();
    expect(state.collections).toBe(1);
  });

  it('counts growth from the lowest the heap has been, so a heap V8 shrank itself does not hide a new burst', () => {
    const { state, options } = fakeProcess();
    const compaction = start({ ...options, growthBytes: 64 * MB });
    state.committed = 40 * MB;
    expect(compaction.check()).toBeUndefined();
    state.committed = 110 * MB;
    expect(compaction.check()).toBeDefined();
  });

  it('waits the least interval between compactions, then measures growth from the compacted heap', () => {
    const { state, options } = fakeProcess();
    const compaction = start({ ...options, growthBytes: 64 * MB, minIntervalMs: 60_000 });
    state.committed = 200 * MB;
    expect(compaction.check()).toBeDefined();
    state.committed = 200 * MB;
    state.now = 59_999;
    expect(compaction.check()).toBeUndefined();
    state.now = 60_000;
    expect(compaction.check()).toBeDefined();
    expect(state.collections).toBe(2);
    // Compacted to 70 MB: 130 MB is not yet 64 MB of growth from there… 134 MB is.
    state.now = 200_000;
    state.committed = 130 * MB;
    expect(compaction.check()).toBeUndefined();
    state.committed = 134 * MB;
    expect(compaction.check()).toBeDefined();
  });

  it('reports a failed collection and tries again at the next quiet interval', () => {
    const { state, options } = fakeProcess();
    const failures: unknown[] = [];
    const compaction = start({ ...options, growthBytes: 64 * MB, onFailed: (error) => failures.push(error) });
    state.committed = 200 * MB;
    state.failWith = new Error('refused');
    expect(compaction.check()).toBeUndefined();
    expect(failures).toEqual([state.failWith]);
    state.failWith = undefined;
    expect(compaction.check()).toBeDefined();
  });

  it('checks on its own timer, which stop() ends', async () => {
    const { state, options } = fakeProcess();
    const compactions: unknown[] = [];
    const compaction = start({ ...options, growthBytes: 64 * MB, checkIntervalMs: 10, onCompacted: (done) => compactions.push(done) });
    state.committed = 200 * MB;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(compactions).toHaveLength(1);
    compaction.stop();
    state.now = 1e9;
    state.committed = 500 * MB;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(compactions).toHaveLength(1);
  });
});

describe("V8's compacting collection", () => {
  it("gives back the pages a burst left behind, not only the garbage on them", () => {
    // What a burst of connections does: objects that stay alive, allocated between garbage that
    // lives long enough to reach the old generation, so every old page holds a little of each.
    const live: object[] = [];
    let waiting: object[] = [];
    for (let i = 0; i < 1_500_000; i++) {
      const object = { id: i, name: `socket ${i}`, subscriptions: [i] };
      if (i % 5 === 0) live.push(object);
      else waiting.push(object);
      if (waiting.length > 200_000) waiting = [];
    }
    waiting = [];
    const committedBefore = getHeapStatistics().total_heap_size;

    createCompactingCollection()();

    const after = getHeapStatistics();
    // A fifth of the objects stay: most of what the burst committed goes back.
    expect(committedBefore - after.total_heap_size).toBeGreaterThan(40 * MB);
    expect(after.total_heap_size).toBeLessThan(2 * after.used_heap_size + 32 * MB);
    expect(live).toHaveLength(300_000);
    // The gateway's context gets no `gc` global from it.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
