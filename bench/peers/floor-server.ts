/**
 * The floor: what fan-out costs with no GraphQL at all. A plain `ws` server that speaks just enough
 * of the graphql-ws protocol for the load generator, one Redis channel per group, and one
 * serialisation per message: the `next` frame is built once per message and subscription id and
 * the same bytes go to every socket.
 *
 * Env: PORT, REDIS_URL, REDIS_PREFIX.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT ?? 4100);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.REDIS_PREFIX ?? 'floor';

const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const channelOf = (groupId: string) => `${prefix}:group:${groupId}`;

interface Subscription {
  socket: WebSocket;
  id: string;
}

/** Subscriptions by group; a group's channel is subscribed with its first and dropped with its last. */
const groups = new Map<string, Set<Subscription>>();

subscriber.on('message', (channel: string, message: string) => {
  const subscriptions = groups.get(channel.slice(prefix.length + ':group:'.length));
  if (!subscriptions) return;
  const frames = new Map<string, Buffer>();
  for (const subscription of subscriptions) {
    let frame = frames.get(subscription.id);
    if (!frame) {
      frame = Buffer.from(`{"id":${JSON.stringify(subscription.id)},"type":"next","payload":{"data":{"newMessage":${message}}}}`);
      frames.set(subscription.id, frame);
    }
    subscription.socket.send(frame);
  }
});

function addSubscription(groupId: string, subscription: Subscription) {
  let subscriptions = groups.get(groupId);
  if (!subscriptions) {
    groups.set(groupId, (subscriptions = new Set()));
    void subscriber.subscribe(channelOf(groupId));
  }
  subscriptions.add(subscription);
}

function removeSubscription(groupId: string, subscription: Subscription) {
  const subscriptions = groups.get(groupId);
  if (!subscriptions?.delete(subscription) || subscriptions.size > 0) return;
  groups.delete(groupId);
  void subscriber.unsubscribe(channelOf(groupId));
}

interface SendInput {
  groupId: string;
  content?: string | null;
  clientMessageId?: string | null;
  msgType?: string | null;
}

/** Publishes the message as the JSON of the subscription's selection; returns the mutation's data. */
async function sendMessage(input: SendInput) {
  const id = randomUUID();
  const cursor = Buffer.from(`${input.groupId}:${id}`).toString('base64url');
  const createdAt = new Date().toISOString();
  const message = {
    id,
    groupId: input.groupId,
    cursor,
    msgType: input.msgType ?? 'TEXT',
    content: input.content ?? null,
    clientMessageId: input.clientMessageId ?? null,
    createdAt,
    sender: { id: 'floor', name: 'Floor' },
  };
  await publisher.publish(channelOf(input.groupId), JSON.stringify(message));
  return { sendMessage: { clientMessageId: message.clientMessageId, message: { id, cursor, createdAt } } };
}

interface SubscribePayload {
  query?: string;
  variables?: { groupId?: string; input?: SendInput } | null;
}

/** Pattern-matches what the operation is instead of parsing it: the floor executes no GraphQL. */
function sendInputOf(payload: SubscribePayload): SendInput | undefined {
  if (!payload.query?.includes('sendMessage')) return undefined;
  return payload.variables?.input;
}

function groupIdOf(payload: SubscribePayload): string | undefined {
  if (!payload.query?.includes('newMessage')) return undefined;
  return payload.variables?.groupId ?? /groupId:\s*"([^"]+)"/.exec(payload.query)?.[1];
}

const server = createServer((req, res) => void handleHttp(req, res));
const wss = new WebSocketServer({ server, path: '/graphql', perMessageDeflate: false });

wss.on('connection', (socket) => {
  const subscriptions = new Map<string, { groupId: string; subscription: Subscription }>();
  socket.on('message', (data: Buffer) => {
    let frame: { id?: string; type?: string; payload?: SubscribePayload };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return socket.close(4400, 'Invalid message received');
    }
    switch (frame.type) {
      case 'connection_init':
        return socket.send('{"type":"connection_ack"}');
      case 'ping':
        return socket.send('{"type":"pong"}');
      case 'subscribe': {
        const id = frame.id ?? '';
        const payload = frame.payload ?? {};
        const input = sendInputOf(payload);
        if (input) {
          sendMessage(input).then(
            (data) => {
              socket.send(JSON.stringify({ id, type: 'next', payload: { data } }));
              socket.send(JSON.stringify({ id, type: 'complete' }));
            },
            () => socket.send(JSON.stringify({ id, type: 'error', payload: [{ message: 'publish failed' }] })),
          );
          return;
        }
        const groupId = groupIdOf(payload);
        if (!groupId) return socket.send(JSON.stringify({ id, type: 'error', payload: [{ message: 'unsupported operation' }] }));
        const subscription = { socket, id };
        subscriptions.set(id, { groupId, subscription });
        return addSubscription(groupId, subscription);
      }
      case 'complete': {
        const entry = subscriptions.get(frame.id ?? '');
        if (entry) {
          subscriptions.delete(frame.id!);
          removeSubscription(entry.groupId, entry.subscription);
        }
        return;
      }
    }
  });
  socket.on('close', () => {
    for (const { groupId, subscription } of subscriptions.values()) removeSubscription(groupId, subscription);
    subscriptions.clear();
  });
});

async function handleHttp(req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET' && req.url === '/health') return res.writeHead(200).end('ok');
  if (req.method !== 'POST' || !req.url?.startsWith('/graphql')) return res.writeHead(404).end();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const payload = JSON.parse(Buffer.concat(chunks).toString()) as SubscribePayload;
  const input = sendInputOf(payload);
  if (!input) return res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"unsupported operation"}]}');
  const data = await sendMessage(input);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
}

server.listen(port, '127.0.0.1', () => console.log(`floor listening on ${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const client of wss.clients) client.terminate();
    server.close();
    void Promise.all([publisher.quit(), subscriber.quit()]).finally(() => process.exit(0));
  });
}
