import type { EventBus } from './event-bus.js';
import { ListenerRegistry } from './listener-registry.js';

export interface MemoryEventBusOptions {
  /** Called when a listener throws; the other listeners still receive the event. */
  onListenerError?: (channel: string, error: unknown) => void;
}

/**
 * The single-process bus. Events are delivered on a later microtask, as they would be from Redis,
 * so a publisher never runs subscriber code inside its own call.
 */
export function createMemoryEventBus(options: MemoryEventBusOptions = {}): EventBus {
  const registry = new ListenerRegistry({ onListenerError: options.onListenerError });
  return {
    async publish(channel, payload) {
      queueMicrotask(() => registry.dispatch(channel, payload));
    },
    subscribe(channel, listener) {
      return registry.add(channel, listener as (payload: unknown) => void);
    },
    ready: async () => {},
    channelCount: () => registry.size,
    async close() {
      registry.clear();
    },
  };
}
