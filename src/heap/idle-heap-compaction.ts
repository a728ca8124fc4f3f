import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { createCompactingCollection, type CompactingCollection } from './compacting-collection.js';

export interface HeapReading {
  /** What the heap holds from the system (V8's total heap size): what the process's RSS pays for. */
  committedBytes: number;
  /** What its objects, live or not yet collected, take. */
  usedBytes: number;
}

export interface HeapCompaction {
  before: HeapReading;
  after: HeapReading;
  /** How long the event loop stood still for it. */
  pauseMs: number;
}

export interface IdleHeapCompactionOptions {
  /** Growth of the committed heap, since the last compaction or its lowest point, that is worth a pause to give back. */
  growthBytes: number;
  /** How often the heap and the event loop are looked at. Default 1000 ms. */
  checkIntervalMs?: number;
  /** The event loop counts as quiet while busy less than this share of the last interval. Default 0.1. */
  quietUtilisation?: number;
  /** The least time between two compactions. Default 10 s. */
  minIntervalMs?: number;
  /**
   * A count that grows while clients are being served (the events and results sent to sockets).
   * When given, the process only counts as quiet once it has not grown for `quietForMs`: a loop
   * that is mostly idle may still be delivering a trickle of messages, and each of them would
   * wait out the pause.
   */
  activity?: () => number;
  /** How long `activity` must stand still. Default 3 s. */
  quietForMs?: number;
  onCompacted?: (compaction: HeapCompaction) => void;
  onFailed?: (error: unknown) => void;
  /** Default: V8's compacting full collection. */
  collect?: CompactingCollection;
  /** Default: V8's heap statistics. */
  readHeap?: () => HeapReading;
  /** The event loop's busy share since the previous call. Default: Node's event loop utilisation. */
  loopUtilisation?: () => number;
  /** Default: `performance.now`. */
  now?: () => number;
}

export interface IdleHeapCompaction {
  /** One look: compacts when it is time. The timer calls it every interval. */
  check(): HeapCompaction | undefined;
  stop(): void;
}

/**
 * Gives the heap back after a burst, once the process is quiet. A burst of connections (a deploy,
 * a network blip, the morning rush) promotes its garbage to the old generation between the live
 * objects of every socket. V8 then keeps a heap several times what is live until it next runs out
 * of room, and that next full collection comes under load, stalling deliveries for as long as
 * marking all of it takes. Compacting while the event loop is idle frees that memory when no one
 * waits for a frame, and leaves V8 a heap sized to what is live.
 *
 * It compacts when the committed heap has grown by `growthBytes` since the last compaction (or
 * since its lowest point), the event loop was quiet over the last interval, nothing was delivered
 * for `quietForMs`, and the last compaction is at least `minIntervalMs` old. A busy process is
 * never paused by it, nor one serving a trickle: the collection marks the whole heap at once, and
 * at a thousand sockets that already stops the loop for a couple of hundred milliseconds. The least
 * interval is short because a burst may pause for a second midway: what the rest of it adds is
 * compacted at the next quiet moment, not a minute later.
 */
export function startIdleHeapCompaction(options: IdleHeapCompactionOptions): IdleHeapCompaction {
  const quietUtilisation = options.quietUtilisation ?? 0.1;
  const minIntervalMs = options.minIntervalMs ?? 10_000;
  const collect = options.collect ?? createCompactingCollection();
  const readHeap = options.readHeap ?? readV8Heap;
  const loopUtilisation = options.loopUtilisation ?? eventLoopUtilisationSinceLastCall();
  const now = options.now ?? (() => performance.now());
  const quietForMs = options.quietForMs ?? 3_000;
  let lowestCommitted = readHeap().committedBytes;
  let lastCompactedAt = Number.NEGATIVE_INFINITY;
  let lastActivity = options.activity?.();
  let activeAt = Number.NEGATIVE_INFINITY;

  const check = (): HeapCompaction | undefined => {
    const utilisation = loopUtilisation();
    const before = readHeap();
    lowestCommitted = Math.min(lowestCommitted, before.committedBytes);
    const activity = options.activity?.();
    if (activity !== lastActivity) {
      lastActivity = activity;
      activeAt = now();
    }
    if (utilisation >= quietUtilisation || now() - activeAt < quietForMs) return undefined;
    if (before.committedBytes - lowestCommitted < options.growthBytes) return undefined;
    if (now() - lastCompactedAt < minIntervalMs) return undefined;
    const started = performance.now();
    try {
      collect();
    } catch (error) {
      options.onFailed?.(error);
      return undefined;
    }
    const compaction = { before, after: readHeap(), pauseMs: performance.now() - started };
    lastCompactedAt = now();
    lowestCommitted = compaction.after.committedBytes;
    options.onCompacted?.(compaction);
    return compaction;
  };

  const timer = setInterval(check, options.checkIntervalMs ?? 1000);
  timer.unref();
  return {
    check,
    stop: () => clearInterval(timer),
  };
}

function readV8Heap(): HeapReading {
  const { total_heap_size, used_heap_size } = getHeapStatistics();
  return { committedBytes: total_heap_size, usedBytes: used_heap_size };
}

function eventLoopUtilisationSinceLastCall(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const current = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(current, last);
    last = current;
    return utilization;
  };
}
