import type { Listener, Unsubscribe } from './event-bus.js';

/**
 * Local listeners by channel. Tells its owner when a channel gains its first listener and loses its
 * last, so a bus holds exactly one upstream subscription per channel.
 *
 * A channel with one listener holds its registration alone, without a set: every socket listens on
 * a channel of its own (its user's), and a set for each would cost more than the registration.
 */
export class ListenerRegistry {
  private readonly byChannel = new Map<string, Registration | Set<Registration>>();

  constructor(
    private readonly hooks: {
      onFirst?: (channel: string) => void;
      onLast?: (channel: string) => void;
      onListenerError?: (channel: string, error: unknown) => void;
    } = {},
  ) {}

  add(channel: string, listener: Listener<unknown>): Unsubscribe {
    // A registration per subscription, so the same function subscribed twice is two subscriptions.
    const registration = new Registration(this, channel, listener);
    const existing = this.byChannel.get(channel);
    if (existing === undefined) {
      this.byChannel.set(channel, registration);
      this.hooks.onFirst?.(channel);
    } else if (existing instanceof Registration) {
      this.byChannel.set(channel, new Set([existing, registration]));
    } else {
      existing.add(registration);
    }
    return () => registration.cancel();
  }

  /** Drops a registration it still holds; the channel's last one tells the owner. */
  remove(registration: Registration): void {
    const { channel } = registration;
    const entry = this.byChannel.get(channel);
    if (entry === registration) {
      this.byChannel.delete(channel);
      this.hooks.onLast?.(channel);
    } else if (entry instanceof Set && entry.delete(registration) && entry.size === 1) {
      // A dispatch iterating the set goes on undisturbed: the set itself is only let go.
      this.byChannel.set(channel, entry.values().next().value as Registration);
    }
  }

  dispatch(channel: string, payload: unknown): void {
    const entry = this.byChannel.get(channel);
    if (entry === undefined) return;
    if (entry instanceof Registration) return this.call(entry, payload);
    for (const registration of entry) this.call(registration, payload);
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

  private call(registration: Registration, payload: unknown): void {
    try {
      registration.listener(payload);
    } catch (error) {
      this.hooks.onListenerError?.(registration.channel, error);
    }
  }
}

/**
 * One listener on one channel: a small object rather than a wrapper and an unsubscribe closure each.
 * Cancelling it again does nothing: the registry no longer holds it.
 */
class Registration {
  constructor(
    private readonly registry: ListenerRegistry,
    readonly channel: string,
    readonly listener: Listener<unknown>,
  ) {}

  cancel(): void {
    this.registry.remove(this);
  }
}
