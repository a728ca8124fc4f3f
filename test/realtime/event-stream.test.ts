import { describe, expect, it, vi } from 'vitest';
import { createEventStream } from '../../src/realtime/event-stream.js';

describe('createEventStream', () => {
  it('hands pushed values to a waiting consumer and buffers the rest in order', async () => {
    const stream = createEventStream<number>();
    const first = stream.next();
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    expect(await stream.next()).toEqual({ value: 3, done: false });
  });

  it('drains what is buffered before ending', async () => {
    const onClose = vi.fn();
    const stream = createEventStream<string>({ onClose });
    stream.push('a');
    stream.end();
    expect(onClose).not.toHaveBeenCalled();
    expect(await stream.next()).toEqual({ value: 'a', done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('fails instead of growing past its bound, and releases its subscriptions once', async () => {
    const onClose = vi.fn();
    const stream = createEventStream<number>({ maxBuffered: 2, overflowError: () => new Error('too slow'), onClose });
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(onClose).toHaveBeenCalledTimes(1);
    await expect(stream.next()).rejects.toThrow('too slow');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    stream.push(4);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('rejects a waiting consumer when failed', async () => {
    const stream = createEventStream<number>();
    const waiting = stream.next();
    stream.fail(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
  });

  it('return() ends a waiting consumer and stops taking values', async () => {
    const onClose = vi.fn();
    const stream = createEventStream<number>({ onClose });
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.push(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(stream.closed).toBe(true);
  });

  it('keeps order across many values with an intermittent consumer', async () => {
    const stream = createEventStream<number>({ maxBuffered: 10_000 });
    const received: number[] = [];
    for (let i = 0; i < 5000; i++) {
      stream.push(i);
      if (i % 7 === 0) received.push((await stream.next()).value as number);
    }
    stream.end();
    for await (const value of stream) received.push(value);
    expect(received).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  describe('drain', () => {
    it('hands what is buffered, then every pushed value, to the consumer at once, and resolves when ended', async () => {
      const onClose = vi.fn();
      const stream = createEventStream<number>({ maxBuffered: 2, onClose });
      stream.push(1);
      const received: number[] = [];
      const drained = stream.drain({ accept: (value) => received.push(value) });
      expect(received).toEqual([1]);
      // No bound in push mode: the consumer holds nothing.
      for (let value = 2; value <= 10; value++) stream.push(value);
      expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      stream.end();
      await expect(drained).resolves.toBeUndefined();
      expect(onClose).toHaveBeenCalledTimes(1);
      stream.push(11);
      expect(received).toHaveLength(10);
    });

    it('rejects when the stream fails and resolves when the consumer side returns', async () => {
      const failing = createEventStream<number>();
      const failed = failing.drain({ accept: () => {} });
      failing.fail(new Error('gone'));
      await expect(failed).rejects.toThrow('gone');

      const returned = createEventStream<number>();
      const drained = returned.drain({ accept: () => {} });
      await returned.return();
      await expect(drained).resolves.toBeUndefined();
    });

    it('on a stream that already ended, hands over what is left and resolves', async () => {
      const stream = createEventStream<string>();
      stream.push('a');
      stream.end();
      const received: string[] = [];
      await stream.drain({ accept: (value) => received.push(value) });
      expect(received).toEqual(['a']);
    });
  });
});
