import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedisConnection, createRedisConnection } from '../redis/redis-connection.js';
import { createTurnCork } from '../redis/turn-cork.js';
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
  /**
   * Where an event stands in its channel, for events that have such a place: one more than the
   * event published before it (a group's messages, by seq). Only those can be delivered ahead.
   */
  positionOf?: (payload: unknown) => number | undefined;
  /**
   * The same read from an event's JSON bytes without decoding them, when the publisher writes them
   * so (undefined otherwise): Redis's copy of an event delivered ahead is then dropped unread.
   */
  positionOfJson?: (json: Buffer) => number | undefined;
}

/** The Redis bus, which can also hand an event to this process's listeners before Redis sends it back. */
export interface RedisEventBus extends EventBus {
  /**
   * Hands this process's listeners an event it has just had published by other means (the append
   * script publishes a message as it commits it) without waiting for Redis to send it back; that
   * copy is then dropped. `position` is the event's place in its channel (see `positionOf`). The
   * event goes ahead only when it is the next after the last one delivered on the channel, so the
   * channel's order holds whatever other instances publish; otherwise Redis's copy delivers it, as
   * any other event. A sender's own socket then gets its message in the same write as its ack, and
   * the copy costs a read but no delivery.
   */
  deliverAhead(channel: string, payload: unknown, position: number): void;
}

/**
 * The order of a channel whose events have positions: the last position delivered, and the
 * positions delivered ahead whose copies from Redis are still to come, rising.
 */
interface ChannelOrder {
  last: number;
  ahead: number[];
}

/**
 * The bus across instances: Redis pub/sub with JSON payloads, over one publisher and one subscriber
 * connection per process. Each channel is subscribed once however many local listeners it has, and
 * unsubscribed with the last; ioredis subscribes again to every channel after a reconnect.
 */
export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
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
  /** Channels with local listeners whose events have positions, once Redis has sent one of them. */
  const orders = new Map<string, ChannelOrder>();
  const positionOf = options.positionOf ?? (() => undefined);
  const positionOfJson = options.positionOfJson ?? (() => undefined);

  /** Whether Redis's copy of an event at `position` is still to be delivered: not when it went ahead. */
  const admitCopy = (channel: string, position: number): boolean => {
    const order = orders.get(channel);
    if (!order) {
      if (registry.has(channel)) orders.set(channel, { last: position, ahead: [] });
      return true;
    }
    const { ahead } = order;
    // Copies come in the order of their positions: one not come by now was lost (a reconnect).
    while (ahead.length > 0 && ahead[0]! < position) ahead.shift();
    if (ahead[0] === position) {
      ahead.shift();
      return false;
    }
    // Positions that start again (a group's counter lost with Redis's data) are delivered as they come.
    if (position <= order.last) ahead.length = 0;
    order.last = position;
    return true;
  };

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
      orders.delete(channel);
      corkSubscriberForTurn();
      // Ordered after the SUBSCRIBE on the same connection, and before any later one.
      subscriber.unsubscribe(channel).catch((error: unknown) => logger.warn({ err: error, channel }, 'redis UNSUBSCRIBE failed'));
    },
  });

  // The bytes, not ioredis's decoded strings: a copy of an event delivered ahead is never decoded.
  subscriber.on('messageBuffer', (channelName: Buffer, json: Buffer) => {
    const channel = channelName.toString();
    const jsonPosition = positionOfJson(json);
    if (jsonPosition !== undefined && !admitCopy(channel, jsonPosition)) return;
    let payload: unknown;
    try {
      payload = JSON.parse(json.toString());
    } catch {
      // Other services publish on user channels too: one malformed event must not stop the rest.
      logger.warn({ channel }, 'dropped an event that is not JSON');
      return;
    }
    if (jsonPosition === undefined) {
      const position = positionOf(payload);
      if (position !== undefined && !admitCopy(channel, position)) return;
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
    deliverAhead(channel, payload, position) {
      const order = orders.get(channel);
      if (order === undefined || position !== order.last + 1) return;
      order.last = position;
      order.ahead.push(position);
      registry.dispatch(channel, payload);
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
      orders.clear();
      await Promise.all([ownsPublisher && closeRedisConnection(publisher), closeRedisConnection(subscriber)]);
    },
  };
}
