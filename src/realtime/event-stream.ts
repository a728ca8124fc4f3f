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
  drain(consumer: StreamConsumer<T>): Promise<void>;
}

/**
 * Where a drained stream hands its values, one call each: an object rather than a function, so a
 * subscriber's own state and its handling of a value are one object to reach, not a closure and
 * its context.
 */
export interface StreamConsumer<T> {
  accept(value: T): void;
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
  return new PushedEventStream<T>(options);
}

/**
 * One per subscription, so a class rather than a closure per method: ten thousand subscribers hold
 * ten thousand small objects, not a dozen functions and a context each.
 */
class PushedEventStream<T> implements EventStream<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private rejectWaiting: ((error: Error) => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private isClosed = false;
  private drainTo: StreamConsumer<T> | undefined;

  constructor(private readonly options: EventStreamOptions) {}

  get closed(): boolean {
    return this.isClosed;
  }

  push(value: T): void {
    if (this.ended || this.failure) return;
    if (this.drainTo) return this.drainTo.accept(value);
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.rejectWaiting = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.buffer.length - this.head >= (this.options.maxBuffered ?? 1024)) {
      this.fail(this.options.overflowError?.() ?? new Error('Subscriber fell too far behind.'));
      return;
    }
    this.buffer.push(value);
  }

  end(): void {
    if (this.ended || this.failure) return;
    this.ended = true;
    if (this.head === this.buffer.length) this.close();
    this.settleWaiting();
  }

  fail(error: Error): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    this.buffer.length = this.head = 0;
    this.close();
    this.settleWaiting();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.failure) {
      const error = this.failure;
      this.failure = undefined;
      this.ended = true;
      return Promise.reject(error);
    }
    if (this.ended) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.rejectWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.buffer.length = this.head = 0;
    this.close();
    this.settleWaiting();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.ended = true;
    this.buffer.length = this.head = 0;
    this.close();
    this.settleWaiting();
    return Promise.reject(error);
  }

  /** Not an async function, which would stay suspended for the whole life of the subscription it serves. */
  drain(consumer: StreamConsumer<T>): Promise<void> {
    try {
      while (this.head < this.buffer.length) consumer.accept(this.take());
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.ended && !this.failure) {
      this.drainTo = consumer;
      // The stream now settles only through end(), fail() or return(): a wait that ends with it.
      return new Promise<void>((resolve, reject) => {
        this.waiting = () => resolve();
        this.rejectWaiting = reject;
      });
    }
    return this.next().then((result) => {
      if (!result.done) throw new Error('A drained stream cannot hold values.');
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.options.onClose?.();
  }

  private settleWaiting(): void {
    if (!this.waiting) return;
    const resolve = this.waiting;
    const reject = this.rejectWaiting!;
    this.waiting = this.rejectWaiting = undefined;
    if (this.failure) {
      const error = this.failure;
      this.failure = undefined;
      this.ended = true;
      this.close();
      reject(error);
    } else if (this.head < this.buffer.length) {
      resolve({ value: this.take(), done: false });
    } else if (this.ended) {
      this.close();
      resolve({ value: undefined, done: true });
    }
  }

  private take(): T {
    const value = this.buffer[this.head] as T;
    this.buffer[this.head++] = undefined as T;
    if (this.head === this.buffer.length) this.buffer.length = this.head = 0;
    else if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer.splice(0, this.head);
      this.head = 0;
    }
    return value;
  }
}
