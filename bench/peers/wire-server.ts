/**
 * The wire: the gateway's own way of writing frames and nothing else, the bound below it on this
 * machine. The same protocol as the floor, but no Redis (a sent message goes straight to its
 * group's subscribers in the process that read it), no GraphQL, no auth, and the gateway's frame
 * writer: each `next` frame is built once per message and subscription id, WebSocket header
 * included, and the frames of one event-loop iteration leave in one write per socket. What is
 * left per delivery is that write, and the load generator's read of it: a target the wire misses,
 * no server reaches on this machine.
 *
 * Env: PORT.
 */
import { DEFAULT_WS_MAX_BUFFERED_BYTES } from '../../src/config.js';
import { SocketCloseCode } from '../../src/realtime/close-codes.js';
import { createFrameWriter, textFrameOf } from '../../src/realtime/frame-writer.js';
import { GroupSubscriptions, newMessage, nextMessageText, serveBareGraphqlWs } from './bare-graphql-ws.js';

const port = Number(process.env.PORT ?? 4200);
const groups = new GroupSubscriptions();
// The gateway's default bound and close code for a socket whose reader fell behind.
const frames = createFrameWriter({ maxBufferedBytes: DEFAULT_WS_MAX_BUFFERED_BYTES, slowCloseCode: SocketCloseCode.FellBehind, slowCloseReason: 'Fell behind' });

function deliver(groupId: string, messageJson: string): void {
  const subscriptions = groups.of(groupId);
  if (!subscriptions) return;
  const built = new Map<string, Buffer>();
  for (const subscription of subscriptions) {
    let frame = built.get(subscription.id);
    if (!frame) built.set(subscription.id, (frame = textFrameOf(nextMessageText(subscription.id, messageJson))));
    frames.write(subscription.socket, frame);
  }
}

serveBareGraphqlWs({
  name: 'wire',
  port,
  groups,
  async send(input) {
    const message = newMessage(input, { id: 'wire', name: 'Wire' });
    deliver(input.groupId, message.json);
    return message.data;
  },
});
