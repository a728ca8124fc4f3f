import { readFile } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRuntime, readRuntime, runtimeBetween } from '../../bench/systems/runtime-metrics.js';
import { bearer, connect, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.stop());

/** A full collection of this process, which is the gateway's. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('runtime figures from the gateway’s metrics', () => {
  it('tell the full collections and the longest loop stall between two readings', async () => {
    const url = gateway.url;
    const before = await readRuntime(url);
    expect(before).toBeDefined();
    collectGarbage();
    // Node's loop-delay histogram sees a stall in the poll phase, where the gateway's socket reads run.
    await new Promise<void>((resolve) =>
      readFile(import.meta.filename, () => {
        const blockedUntil = Date.now() + 120;
        while (Date.now() < blockedUntil);
        resolve();
      }),
    );
    // The GC observer reports on a later turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = runtimeBetween(before, await readRuntime(url))!;
    expect(during.majorGcs).toBeGreaterThanOrEqual(1);
    expect(during.majorGcMs).toBeGreaterThan(0);
    expect(during.eventLoopLagMaxMs).toBeGreaterThanOrEqual(100);
    expect(describeRuntime(during)).toMatch(/^(a full GC|\d+ full GCs) in the step with [\d.]+ ms of pauses, event loop stalled up to [\d.]+ ms$/);

    expect(during.heapCompactions).toBe(0);
    expect(describeRuntime({ majorGcs: 3, majorGcMs: 40, eventLoopLagMaxMs: 120, heapCompactions: 1 })).toBe(
      '3 full GCs (one of them a quiet-time compaction) in the step with 40 ms of pauses, event loop stalled up to 120 ms',
    );

    // Frames over the writes that carried them, when the step wrote anything.
    const reading = { majorGcCount: 0, majorGcSeconds: 0, eventLoopLagMaxSeconds: 0, heapCompactions: 0 };
    expect(runtimeBetween({ ...reading, socketFrames: 100, socketWrites: 10 }, { ...reading, socketFrames: 130, socketWrites: 20 })?.framesPerWrite).toBe(3);
    expect(runtimeBetween({ ...reading, socketFrames: 100, socketWrites: 10 }, { ...reading, socketFrames: 100, socketWrites: 10 })).not.toHaveProperty('framesPerWrite');

    // A query over a socket: its ack, result and completion are frames the gateway counts.
    const socket = connect(gateway, bearer(await tokenFor('runtime-reader', 'Reader')));
    try {
      await socket.subscribe('{ me { id } }').done;
    } finally {
      await socket.dispose();
    }
    const afterQuery = runtimeBetween(before, await readRuntime(url))!;
    expect(afterQuery.framesPerWrite).toBeGreaterThanOrEqual(1);

    // Nothing to read where nothing answers.
    expect(await readRuntime('http://127.0.0.1:9/graphql')).toBeUndefined();
    expect(runtimeBetween(undefined, before)).toBeUndefined();
  });
});
