/**
 * What the floor and the wire share: just enough of the graphql-ws protocol for the load generator
 * (connection_init, ping, subscribe to `newMessage` or `sendMessage`, complete), with no GraphQL
 * execution, the same message shape the gateway answers with, and groups that are just names.
 * Each server supplies only how a sent message reaches its group's subscribers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Subscription {
  socket: WebSocket;
  id: string;
}

export interface SendInput {
  groupId: string;
  content?: string | null;
  clientMessageId?: string | null;
  msgType?: string | null;
}

/** The subscriptions of every group: a group's first subscriber and its last are reported, for its channel. */
export class GroupSubscriptions {
  private readonly groups = new Map<string, Set<Subscription>>();

  constructor(private readonly hooks: { onFirst?: (groupId: string) => void; onLast?: (groupId: string) => void } = {}) {}

  add(groupId: string, subscription: Subscription): void {
    let subscriptions = this.groups.get(groupId);
    if (!subscriptions) {
      this.groups.set(groupId, (subscriptions = new Set()));
      this.hooks.onFirst?.(groupId);
    }
    subscriptions.add(subscription);
  }

  remove(groupId: string, subscription: Subscription): void {
    const subscriptions = this.groups.get(groupId);
    if (!subscriptions?.delete(subscription) || subscriptions.size > 0) return;
    this.groups.delete(groupId);
    this.hooks.onLast?.(groupId);
  }

  of(groupId: string): Set<Subscription> | undefined {
    return this.groups.get(groupId);
  }
}

/** The JSON text of a `next` frame carrying `messageJson` as `newMessage`, for subscription `id`. */
export function nextMessageText(id: string, messageJson: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":{"data":{"newMessage":${messageJson}}}}`;
}

/** A sent message as the JSON of the subscription's selection, and the mutation's data for the sender. */
export function newMessage(input: SendInput, sender: { id: string; name: string }) {
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
    sender,
  };
  return { json: JSON.stringify(message), data: { sendMessage: { clientMessageId: message.clientMessageId, message: { id, cursor, createdAt } } } };
}

interface SubscribePayload {
  query?: string;
  variables?: { groupId?: string; input?: SendInput } | null;
}

/** Pattern-matches what the operation is instead of parsing it: these servers execute no GraphQL. */
function sendInputOf(payload: SubscribePayload): SendInput | undefined {
  if (!payload.query?.includes('sendMessage')) return undefined;
  return payload.variables?.input;
}

function groupIdOf(payload: SubscribePayload): string | undefined {
  if (!payload.query?.includes('newMessage')) return undefined;
  return payload.variables?.groupId ?? /groupId:\s*"([^"]+)"/.exec(payload.query)?.[1];
}

export interface BareServer {
  name: string;
  port: number;
  groups: GroupSubscriptions;
  /** Takes a sent message to its group; answers the mutation's data once the message is on its way. */
  send(input: SendInput): Promise<unknown>;
  /** Lets go of what the server holds beyond its sockets, on SIGTERM. */
  close?(): Promise<unknown>;
}

/** Serves `/graphql` over WebSocket (and `sendMessage` over HTTP POST) and `/health`, until SIGTERM. */
export function serveBareGraphqlWs(bare: BareServer): void {
  const server = createServer((req, res) => void handleHttp(bare, req, res));
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
            bare.send(input).then(
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
          return bare.groups.add(groupId, subscription);
        }
        case 'complete': {
          const entry = subscriptions.get(frame.id ?? '');
          if (entry) {
            subscriptions.delete(frame.id!);
            bare.groups.remove(entry.groupId, entry.subscription);
          }
          return;
        }
      }
    });
    socket.on('close', () => {
      for (const { groupId, subscription } of subscriptions.values()) bare.groups.remove(groupId, subscription);
      subscriptions.clear();
    });
  });

  server.listen(bare.port, '127.0.0.1', () => console.log(`${bare.name} listening on ${bare.port}`));

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      for (const client of wss.clients) client.terminate();
      server.close();
      void Promise.resolve(bare.close?.()).finally(() => process.exit(0));
    });
  }
}

async function handleHttp(bare: BareServer, req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET' && req.url === '/health') return res.writeHead(200).end('ok');
  if (req.method !== 'POST' || !req.url?.startsWith('/graphql')) return res.writeHead(404).end();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const payload = JSON.parse(Buffer.concat(chunks).toString()) as SubscribePayload;
  const input = sendInputOf(payload);
  if (!input) return res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"unsupported operation"}]}');
  const data = await bare.send(input);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
}
