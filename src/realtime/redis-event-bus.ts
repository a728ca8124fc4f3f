import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedisConnection, createRedisConnection } from '../redis/redis-connection.js';
import { createTurnCork } from '../redis/turn-pipeline.js';
import type { EventBus } from './event-bus.js';
import { ListenerRegistry } from './listener-registry.js';

export interface RedisEventBusOptions {
  /** The Redis to publish and subscribe on, `redis://…`. */
  url: string;
  logger: Logger;
  /** Called when a listener throws; the other listeners still receive the event. */
  onListenerError?: (channel: string, error: unknown) => void;
  /** How long `ready()` waits for a SUBSCRIBE to be confirmed, default 5000 ms. */
  subscribeTimeoutMs?: number;
  /**
   * A connection to publish on, shared with the process's other Redis commands; the bus leaves it
   * open on close. Default: the bus opens its own.
   */
  publisher?: Redis;
  /** Name of the connections in CLIENT LIST, default `gateway`: shown as `<name>:publisher` and `<name>:subscriber`. */
  connectionName?: string;
}

/**
 * The bus across instances: Redis pub/sub with JSON payloads, over one publisher and one subscriber
 * connection per process. Each channel is subscribed once however many local listeners it has, and
 * unsubscribed with the last; ioredis subscribes again to every channel after a reconnect.
 */
export function createRedisEventBus(options: RedisEventBusOptions): EventBus {
  const { logger } = options;
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
  const name = options.connectionName ?? 'gateway';
  const ownsPublisher = !options.publisher;
  const publisher = options.publisher ?? createRedisConnection(options.url, { name: `${name}:publisher`, logger });
  // Queues SUBSCRIBEs while Redis is down, without a timeout, so none is lost to a short outage.
  const subscriber: Redis = createRedisConnection(options.url, {
    name: `${name}:subscriber`,
    logger,
    offlineQueue: true,
    commandTimeoutMs: 0,
  });
  // Sockets arrive and leave in bursts: their SUBSCRIBEs and publishes leave a turn at a time.
  const corkSubscriberForTurn = createTurnCork(subscriber);
  const corkPublisherForTurn = createTurnCork(publisher);
  /** The pending or confirmed SUBSCRIBE of each channel with local listeners. */
  const subscribed = new Map<string, Promise<void>>();

  const registry = new ListenerRegistry({
    onListenerError: options.onListenerError,
    onFirst(channel) {
      corkSubscriberForTurn();
      const confirmed = subscriber.subscribe(channel).then(() => undefined);
      confirmed.catch((error: unknown) => logger.warn({ err: error, channel }, 'redis SUBSCRIBE failed'));
      subscribed.set(channel, confirmed);
    },
    onLast(channel) {
      subscribed.delete(channel);
      corkSubscriberForTurn();
      // Ordered after the SUBSCRIBE on the same connection, and before any later one.
      subscriber.unsubscribe(channel).catch((error: unknown) => logger.warn({ err: error, channel }, 'redis UNSUBSCRIBE failed'));
    },
  });

  subscriber.on('message', (channel: string, text: string) => {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      // Other services publish on user channels too: one malformed event must not stop the rest.
      logger.warn({ channel }, 'dropped an event that is not JSON');
      return;
    }
    registry.dispatch(channel, payload);
  });

  return {
    async publish(channel, payload) {
      corkPublisherForTurn();
      await publisher.publish(channel, JSON.stringify(payload));
    },
    subscribe(channel, listener) {
      return registry.add(channel, listener as (payload: unknown) => void);
    },
    async ready(channel) {
      const confirmed = subscribed.get(channel);
      if (!confirmed) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`SUBSCRIBE ${channel} not confirmed after ${subscribeTimeoutMs} ms`)), subscribeTimeoutMs);
      });
      try {
        await Promise.race([confirmed, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    channelCount: () => registry.size,
    async close() {
      registry.clear();
      subscribed.clear();
      await Promise.all([ownsPublisher && closeRedisConnection(publisher), closeRedisConnection(subscriber)]);
    },
  };
}
