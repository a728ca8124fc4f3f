import type { Listener, Unsubscribe } from './event-bus.js';

/**
 * Local listeners by channel. Tells its owner when a channel gains its first listener and loses its
 * last, so a bus holds exactly one upstream subscription per channel.
 */
export class ListenerRegistry {
  private readonly byChannel = new Map<string, Set<Registration>>();

  constructor(
    private readonly hooks: {
      onFirst?: (channel: string) => void;
      onLast?: (channel: string) => void;
      onListenerError?: (channel: string, error: unknown) => void;
    } = {},
  ) {}

  add(channel: string, listener: Listener<unknown>): Unsubscribe {
    let listeners = this.byChannel.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.byChannel.set(channel, listeners);
      this.hooks.onFirst?.(channel);
    }
    // A registration per subscription, so the same function subscribed twice is two subscriptions.
    const registration = new Registration(this, channel, listeners, listener);
    listeners.add(registration);
    return () => registration.cancel();
  }

  /** Drops a registration; the channel's last one tells the owner. */
  remove(registration: Registration): void {
    const { channel, listeners } = registration;
    listeners.delete(registration);
    if (listeners.size === 0 && this.byChannel.get(channel) === listeners) {
      this.byChannel.delete(channel);
      this.hooks.onLast?.(channel);
    }
  }

  dispatch(channel: string, payload: unknown): void {
    const listeners = this.byChannel.get(channel);
    if (!listeners) return;
    for (const registration of listeners) {
      try {
        registration.listener(payload);
      } catch (error) {
        this.hooks.onListenerError?.(channel, error);
      }
    }
  }

  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  channels(): IterableIterator<string> {
    return this.byChannel.keys();
  }

  get size(): number {
    return this.byChannel.size;
  }

  clear(): void {
    this.byChannel.clear();
  }
}

/** One listener on one channel: a small object rather than a wrapper and an unsubscribe closure each. */
class Registration {
  private active = true;

  constructor(
    private readonly registry: ListenerRegistry,
    readonly channel: string,
    readonly listeners: Set<Registration>,
    readonly listener: Listener<unknown>,
  ) {}

  cancel(): void {
    if (!this.active) return;
    this.active = false;
    this.registry.remove(this);
  }
}
