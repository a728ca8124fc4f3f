/**
 * What a server's own Prometheus metrics tell about its runtime at one moment: enough to say,
 * between two readings, whether a full garbage collection fell in a step and how long the event
 * loop stalled. Only the gateway has such metrics; the peers have none.
 */
export interface RuntimeReading {
  /** Full (mark-compact) collections so far, and their pauses in seconds. */
  majorGcCount: number;
  majorGcSeconds: number;
  /**
   * Longest event-loop delay since the previous reading (prom-client resets it on every scrape).
   * Node 20's delay histogram sees stalls in I/O callbacks (socket reads, where a burst's work
   * mostly runs) but not in timer or setImmediate callbacks, so it is a lower bound.
   */
  eventLoopLagMaxSeconds: number;
  /** Full collections the gateway itself ran to compact its heap while quiet (counted in majorGcCount too). */
  heapCompactions: number;
  /** WebSocket frames sent so far, and the socket writes that carried them. */
  socketFrames: number;
  socketWrites: number;
}

/** Between two readings: full collections and their pauses, and the longest stall of the loop. */
export interface RuntimeDuringStep {
  majorGcs: number;
  majorGcMs: number;
  eventLoopLagMaxMs: number;
  /** How many of the full collections were the gateway's own quiet-time compactions. */
  heapCompactions?: number;
  /** Frames each socket write carried on average: 1 is a syscall per frame, more is the coalescing of a busy turn. */
  framesPerWrite?: number;
}

const GC_SUM = /^campushub_nodejs_gc_duration_seconds_sum\{[^}]*kind="major"[^}]*\} (\S+)$/m;
const GC_COUNT = /^campushub_nodejs_gc_duration_seconds_count\{[^}]*kind="major"[^}]*\} (\S+)$/m;
const HEAP_COMPACTIONS = /^campushub_heap_compactions_total (\S+)$/m;
const SOCKET_FRAMES = /^campushub_ws_frames_total (\S+)$/m;
const SOCKET_WRITES = /^campushub_ws_writes_total (\S+)$/m;
const LAG_MAX = /^campushub_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m;

export function parseRuntimeReading(metrics: string): RuntimeReading | undefined {
  const lag = LAG_MAX.exec(metrics);
  if (!lag) return undefined;
  return {
    majorGcCount: Number(GC_COUNT.exec(metrics)?.[1] ?? 0),
    majorGcSeconds: Number(GC_SUM.exec(metrics)?.[1] ?? 0),
    eventLoopLagMaxSeconds: Number(lag[1]),
    heapCompactions: Number(HEAP_COMPACTIONS.exec(metrics)?.[1] ?? 0),
    socketFrames: Number(SOCKET_FRAMES.exec(metrics)?.[1] ?? 0),
    socketWrites: Number(SOCKET_WRITES.exec(metrics)?.[1] ?? 0),
  };
}

/** Reads `/metrics` next to the GraphQL endpoint; undefined when it cannot be read. */
export async function readRuntime(graphqlUrl: string): Promise<RuntimeReading | undefined> {
  try {
    const response = await fetch(new URL('/metrics', graphqlUrl), { signal: AbortSignal.timeout(5000) });
    return response.ok ? parseRuntimeReading(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

export function runtimeBetween(before: RuntimeReading | undefined, after: RuntimeReading | undefined): RuntimeDuringStep | undefined {
  if (!before || !after) return undefined;
  return {
    majorGcs: after.majorGcCount - before.majorGcCount,
    majorGcMs: Math.round((after.majorGcSeconds - before.majorGcSeconds) * 1000 * 10) / 10,
    eventLoopLagMaxMs: Math.round(after.eventLoopLagMaxSeconds * 1000 * 10) / 10,
    heapCompactions: after.heapCompactions - before.heapCompactions,
    ...framesPerWrite(after.socketFrames - before.socketFrames, after.socketWrites - before.socketWrites),
  };
}

function framesPerWrite(frames: number, writes: number): Pick<RuntimeDuringStep, 'framesPerWrite'> {
  return writes > 0 ? { framesPerWrite: Math.round((frames / writes) * 100) / 100 } : {};
}

/** "a full GC in the step with 62 ms of pauses, event loop stalled up to 310 ms"; "(one of them a quiet-time compaction)" after the count. */
export function describeRuntime(runtime: RuntimeDuringStep | undefined): string {
  if (!runtime) return '';
  const gcs = runtime.majorGcs === 1 ? 'a full GC' : `${runtime.majorGcs} full GCs`;
  const compactions = runtime.heapCompactions ?? 0;
  const own =
    compactions === 0 ? '' : compactions > 1 ? ` (${compactions} of them quiet-time compactions)` : runtime.majorGcs === 1 ? ' (a quiet-time compaction)' : ' (one of them a quiet-time compaction)';
  const gc = runtime.majorGcs > 0 ? `${gcs}${own} in the step with ${runtime.majorGcMs} ms of pauses, ` : '';
  return `${gc}event loop stalled up to ${runtime.eventLoopLagMaxMs} ms`;
}
