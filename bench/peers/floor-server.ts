/**
 * The floor: what fan-out costs with no GraphQL at all. A plain `ws` server that speaks just enough
 * of the graphql-ws protocol for the load generator, one Redis channel per group, and one
 * serialisation per message: the `next` frame is built once per message and subscription id and
 * the same bytes go to every socket.
 *
 * Env: PORT, REDIS_URL, REDIS_PREFIX.
 */
import { Redis } from 'ioredis';
import { GroupSubscriptions, newMessage, nextMessageText, serveBareGraphqlWs } from './bare-graphql-ws.js';

const port = Number(process.env.PORT ?? 4100);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.REDIS_PREFIX ?? 'floor';

const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const channelOf = (groupId: string) => `${prefix}:group:${groupId}`;

/** A group's channel is subscribed with its first subscriber and dropped with its last. */
const groups = new GroupSubscriptions({
  onFirst: (groupId) => void subscriber.subscribe(channelOf(groupId)),
  onLast: (groupId) => void subscriber.unsubscribe(channelOf(groupId)),
});

subscriber.on('message', (channel: string, message: string) => {
  const subscriptions = groups.of(channel.slice(prefix.length + ':group:'.length));
  if (!subscriptions) return;
  const frames = new Map<string, Buffer>();
  for (const subscription of subscriptions) {
    let frame = frames.get(subscription.id);
    if (!frame) {
      frame = Buffer.from(nextMessageText(subscription.id, message));
      frames.set(subscription.id, frame);
    }
    // A Buffer goes out as a binary frame unless told otherwise: graphql-ws speaks text.
    subscription.socket.send(frame, { binary: false });
  }
});

serveBareGraphqlWs({
  name: 'floor',
  port,
  groups,
  async send(input) {
    const message = newMessage(input, { id: 'floor', name: 'Floor' });
    await publisher.publish(channelOf(input.groupId), message.json);
    return message.data;
  },
  close: () => Promise.all([publisher.quit(), subscriber.quit()]),
});
