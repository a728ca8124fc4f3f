import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/realtime/event-bus.js';
import type { Channel } from '../../src/realtime/topics.js';

export interface BusUnderTest {
  /** A fresh bus; listener errors go to `onListenerError`. */
  create(onListenerError: (channel: string, error: unknown) => void): EventBus;
  /** A channel name no other test uses. */
  channel(name: string): string;
}

const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` passes, every 10 ms for up to 2 s. */
async function until(check: () => void): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await settle(10);
    }
  }
}

/**
 * What every EventBus promises, run against each implementation. A second bus stands for another
 * process: with Redis, events cross between them; in memory, each bus is its own world.
 */
export function describeEventBus(name: string, subject: BusUnderTest, options: { crossesProcesses: boolean }) {
  describe(`${name}: the EventBus contract`, () => {
    let bus: EventBus;
    let other: EventBus;
    let listenerErrors: unknown[];
    beforeEach(() => {
      listenerErrors = [];
      bus = subject.create((_channel, error) => listenerErrors.push(error));
      other = subject.create((_channel, error) => listenerErrors.push(error));
    });
    afterEach(async () => {
      await Promise.all([bus.close(), other.close()]);
    });

    it('delivers a published payload to a subscriber, intact', async () => {
      const channel: Channel<{ n: number; text: string; nested: { ok: boolean } }> = subject.channel('delivery');
      const received: unknown[] = [];
      bus.subscribe(channel, (payload) => received.push(payload));
      await bus.ready(channel);
      await bus.publish(channel, { n: 1, text: 'héllo', nested: { ok: true } });
      await until(() => expect(received).toEqual([{ n: 1, text: 'héllo', nested: { ok: true } }]));
    });

    it('keeps channels apart', async () => {
      const a = subject.channel('a');
      const b = subject.channel('b');
      const onA: unknown[] = [];
      const onB: unknown[] = [];
      bus.subscribe(a, (payload) => onA.push(payload));
      bus.subscribe(b, (payload) => onB.push(payload));
      await Promise.all([bus.ready(a), bus.ready(b)]);
      await bus.publish(a, 'for a');
      await bus.publish(b, 'for b');
      await until(() => expect([onA, onB]).toEqual([['for a'], ['for b']]));
    });

    it('feeds many local listeners from one upstream subscription, and drops it with the last', async () => {
      const channel = subject.channel('many');
      const received: string[] = [];
      const unsubscribes = ['x', 'y', 'z'].map((id) => bus.subscribe(channel, (payload: string) => received.push(`${id}:${payload}`)));
      expect(bus.channelCount()).toBe(1);
      await bus.ready(channel);
      await bus.publish(channel, 'one');
      await until(() => expect(received.sort()).toEqual(['x:one', 'y:one', 'z:one']));
      unsubscribes[0]!();
      unsubscribes[0]!();
      expect(bus.channelCount()).toBe(1);
      unsubscribes[1]!();
      unsubscribes[2]!();
      expect(bus.channelCount()).toBe(0);
    });

    it('stops delivering to a listener once it unsubscribes', async () => {
      const channel = subject.channel('unsubscribe');
      const kept: unknown[] = [];
      const dropped: unknown[] = [];
      bus.subscribe(channel, (payload) => kept.push(payload));
      const unsubscribe = bus.subscribe(channel, (payload) => dropped.push(payload));
      await bus.ready(channel);
      await bus.publish(channel, 1);
      await until(() => expect(dropped).toEqual([1]));
      unsubscribe();
      await bus.publish(channel, 2);
      await until(() => expect(kept).toEqual([1, 2]));
      await settle();
      expect(dropped).toEqual([1]);
    });

    it('isolates a failing listener from the others', async () => {
      const channel = subject.channel('errors');
      const received: unknown[] = [];
      bus.subscribe(channel, () => {
        throw new Error('listener broke');
      });
      bus.subscribe(channel, (payload) => received.push(payload));
      await bus.ready(channel);
      await bus.publish(channel, 'a');
      await bus.publish(channel, 'b');
      await until(() => expect(received).toEqual(['a', 'b']));
      expect(listenerErrors).toHaveLength(2);
      expect((listenerErrors[0] as Error).message).toBe('listener broke');
    });

    it('delivers in publication order', async () => {
      const channel = subject.channel('order');
      const received: number[] = [];
      bus.subscribe(channel, (payload: number) => received.push(payload));
      await bus.ready(channel);
      for (let i = 0; i < 100; i++) void bus.publish(channel, i);
      await until(() => expect(received).toEqual([...Array(100).keys()]));
    });

    it(options.crossesProcesses ? 'delivers across processes' : 'stays within its process', async () => {
      const channel = subject.channel('cross');
      const here: unknown[] = [];
      const there: unknown[] = [];
      bus.subscribe(channel, (payload) => here.push(payload));
      other.subscribe(channel, (payload) => there.push(payload));
      await Promise.all([bus.ready(channel), other.ready(channel)]);
      await bus.publish(channel, 'from bus');
      await other.publish(channel, 'from other');
      if (options.crossesProcesses) {
        await until(() => expect([here, there]).toEqual([['from bus', 'from other'], ['from bus', 'from other']]));
      } else {
        await until(() => expect([here, there]).toEqual([['from bus'], ['from other']]));
      }
    });
  });
}
