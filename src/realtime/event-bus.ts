import type { Channel } from './topics.js';

export type Listener<T> = (payload: T) => void;
export type Unsubscribe = () => void;

/**
 * Publish/subscribe between gateway instances. Delivery is at-most-once: a message that must not be
 * lost goes through the persistence queue, and subscribers catch up by cursor.
 */
export interface EventBus {
  /** Resolves once the event is handed to the bus (not once it is delivered). */
  publish<T>(channel: Channel<T>, payload: T): Promise<void>;
  /**
   * Listens on a channel. Implementations hold one upstream subscription per channel however many
   * local listeners it has, and drop it with the last one.
   */
  subscribe<T>(channel: Channel<T>, listener: Listener<T>): Unsubscribe;
  /**
   * Resolves once this process receives what is published on the channel (at once in memory; after
   * the SUBSCRIBE is confirmed with Redis). Resumes wait for it before reading what they missed,
   * so a message is either in what they read or delivered live. Rejects when it takes too long.
   */
  ready(channel: string): Promise<void>;
  /** Channels this process currently listens to. */
  channelCount(): number;
  close(): Promise<void>;
}
