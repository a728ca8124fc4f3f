/**
 * A push-fed async iterator for subscription resolvers: events are pushed as they arrive, buffered
 * up to a bound, and the stream fails instead of growing when its consumer falls too far behind
 * (the client then resubscribes from its last cursor).
 */
export interface EventStream<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the stream after what is buffered has been consumed. */
  end(): void;
  /** Fails the stream: buffered values are dropped and the consumer receives `error`. */
  fail(error: Error): void;
  readonly closed: boolean;
  /** Stops the stream from the consumer's side (graphql-ws calls it when the client completes). */
  return(): Promise<IteratorResult<T>>;
  /**
   * Switches the stream to push mode: what is buffered, then every value pushed from now on, goes
   * straight to `consumer`, with no promise per value and no buffer (the consumer bounds what it
   * holds). Resolves when the stream ends, rejects when it fails.
   */
  drain(consumer: (value: T) => void): Promise<void>;
}

export interface EventStreamOptions {
  /** Most values held for a slow consumer before the stream fails, default 1024. */
  maxBuffered?: number;
  /** The error a stream fails with when its buffer overflows. */
  overflowError?: () => Error;
  /** Runs once when the stream closes for any reason: release subscriptions here. */
  onClose?: () => void;
}

export function createEventStream<T>(options: EventStreamOptions = {}): EventStream<T> {
  const maxBuffered = options.maxBuffered ?? 1024;
  const buffer: T[] = [];
  let head = 0;
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let rejectWaiting: ((error: Error) => void) | undefined;
  let ended = false;
  let failure: Error | undefined;
  let closed = false;
  let drainTo: ((value: T) => void) | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };

  const settleWaiting = (): void => {
    if (!waiting) return;
    const resolve = waiting;
    const reject = rejectWaiting!;
    waiting = rejectWaiting = undefined;
    if (failure) {
      const error = failure;
      failure = undefined;
      ended = true;
      close();
      reject(error);
    } else if (head < buffer.length) {
      resolve({ value: take(), done: false });
    } else if (ended) {
      close();
      resolve({ value: undefined, done: true });
    }
  };

  const take = (): T => {
    const value = buffer[head] as T;
    buffer[head++] = undefined as T;
    if (head === buffer.length) buffer.length = head = 0;
    else if (head > 1024 && head * 2 > buffer.length) {
      buffer.splice(0, head);
      head = 0;
    }
    return value;
  };

  const stream: EventStream<T> = {
    push(value) {
      if (ended || failure) return;
      if (drainTo) return drainTo(value);
      if (waiting) {
        const resolve = waiting;
        waiting = rejectWaiting = undefined;
        resolve({ value, done: false });
        return;
      }
      if (buffer.length - head >= maxBuffered) {
        stream.fail(options.overflowError?.() ?? new Error('Subscriber fell too far behind.'));
        return;
      }
      buffer.push(value);
    },
    end() {
      if (ended || failure) return;
      ended = true;
      if (head === buffer.length) close();
      settleWaiting();
    },
    fail(error) {
      if (ended || failure) return;
      failure = error;
      buffer.length = head = 0;
      close();
      settleWaiting();
    },
    get closed() {
      return closed;
    },
    next() {
      if (head < buffer.length) return Promise.resolve({ value: take(), done: false });
      if (failure) {
        const error = failure;
        failure = undefined;
        ended = true;
        return Promise.reject(error);
      }
      if (ended) {
        close();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => {
        waiting = resolve;
        rejectWaiting = reject;
      });
    },
    return() {
      ended = true;
      buffer.length = head = 0;
      close();
      settleWaiting();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      ended = true;
      buffer.length = head = 0;
      close();
      settleWaiting();
      return Promise.reject(error);
    },
    async drain(consumer) {
      while (head < buffer.length) consumer(take());
      if (!ended && !failure) {
        drainTo = consumer;
        // The stream now settles only through end(), fail() or return(): a wait that ends with it.
        await new Promise<void>((resolve, reject) => {
          waiting = () => resolve();
          rejectWaiting = reject;
        });
        return;
      }
      const result = await stream.next();
      if (!result.done) throw new Error('A drained stream cannot hold values.');
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
