import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearer, connect, eventually, ok, startGateway, tokenFor, type SocketClient, type Subscription, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let groupId: string;
let sender: string;
const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
const sockets: SocketClient[] = [];
let onlineChecks = 0;

beforeAll(async () => {
  gateway = await startGateway();
  sender = await tokenFor('sender', 'Sender');
  ({ createGroup: { id: groupId } } = await ok(gateway, 'mutation { createGroup(name: "Lecture hall") { id } }', {}, sender));
  for (const member of members) {
    const token = await tokenFor(member);
    await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, token);
    sockets.push(connect(gateway, bearer(token)));
  }
  // `online` asks presence once per execution of the selection set: a count of executions.
  const presence = gateway.services.presence;
  const isOnline = presence.isOnline.bind(presence);
  presence.isOnline = (userId) => {
    onlineChecks++;
    return isOnline(userId);
  };
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await gateway.stop();
});

const SUBSCRIPTION = `subscription($g: ID!, $withSender: Boolean!) {
  newMessage(groupId: $g) { id content sender @include(if: $withSender) { id online } }
}`;

async function deliverOne(subscriptions: Subscription<Record<string, any>>[], content: string) {
  const before = subscriptions.map((subscription) => subscription.events.length);
  await eventually(async () => {
    const stats = await fetch(gateway.url.replace('/graphql', '/stats')).then((response) => response.json());
    expect(stats.subscriptions).toBe(subscriptions.length);
  });
  onlineChecks = 0;
  await ok(gateway, 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }', { g: groupId, c: content }, sender);
  return Promise.all(subscriptions.map((subscription, i) => subscription.waitFor(before[i]! + 1).then((events) => events.at(-1))));
}

describe('shared subscription execution', () => {
  it('executes a message once for every subscriber of the same operation and variables', async () => {
    const subscriptions = sockets.map((socket, i) => socket.subscribe(SUBSCRIPTION, { g: groupId, withSender: true, after: `unused-${i}` }));
    const received = await deliverOne(subscriptions, 'one execution');
    expect(onlineChecks).toBe(1);
    expect(received[0]?.data?.newMessage).toMatchObject({ content: 'one execution', sender: { id: 'sender', online: false } });
    for (const event of received) expect(event).toEqual(received[0]);
    subscriptions.forEach((subscription) => subscription.unsubscribe());
  });

  it('executes separately where the selection reads different variables', async () => {
    const subscriptions = sockets.map((socket, i) => socket.subscribe(SUBSCRIPTION, { g: groupId, withSender: i % 2 === 0 }));
    const received = await deliverOne(subscriptions, 'two executions');
    expect(onlineChecks).toBe(1); // only the executions that include the sender ask
    expect(received[0]?.data?.newMessage.sender).toBeDefined();
    expect(received[1]?.data?.newMessage.sender).toBeUndefined();
    expect(received[2]).toEqual(received[0]);
    expect(received[3]).toEqual(received[1]);
    subscriptions.forEach((subscription) => subscription.unsubscribe());
  });

  it('keys each operation of a document by its own name', async () => {
    const document = `subscription WithSender($g: ID!, $s: Boolean!) { newMessage(groupId: $g) { id sender @include(if: $s) { id online } } }
      subscription Plain($g: ID!) { newMessage(groupId: $g) { id content } }`;
    const subscriptions = sockets.map((socket, i) =>
      i % 2 === 0 ? socket.subscribe(document, { g: groupId, s: true }, 'WithSender') : socket.subscribe(document, { g: groupId }, 'Plain'),
    );
    const received = await deliverOne(subscriptions, 'two operations');
    expect(onlineChecks).toBe(1);
    expect(received[0]?.data?.newMessage).toEqual({ id: expect.any(String), sender: { id: 'sender', online: false } });
    expect(received[1]?.data?.newMessage).toEqual({ id: received[0]?.data?.newMessage.id, content: 'two operations' });
    expect(received[2]).toEqual(received[0]);
    expect(received[3]).toEqual(received[1]);
    subscriptions.forEach((subscription) => subscription.unsubscribe());

    const unknown = sockets[0]!.subscribe(document, { g: groupId }, 'Missing');
    await expect(unknown.done).rejects.toBeDefined();
  });

  it('frames each delivery with the subscription id its own client chose, shared ids or not', async () => {
    const tokens = await Promise.all(members.slice(0, 3).map((member) => tokenFor(member)));
    const ids = ['same', 'same', 'other'];
    const frames: Array<Array<Record<string, any>>> = ids.map(() => []);
    const raw = await Promise.all(
      tokens.map(
        (token, i) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(gateway.wsUrl, 'graphql-transport-ws');
            ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: bearer(token) })));
            ws.on('message', (data, isBinary) => {
              expect(isBinary).toBe(false);
              const frame = JSON.parse(String(data));
              if (frame.type === 'connection_ack') {
                ws.send(JSON.stringify({ id: ids[i], type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { g: groupId, withSender: false } } }));
                resolve(ws);
              } else frames[i]!.push(frame);
            });
            ws.on('error', reject);
          }),
      ),
    );
    await eventually(async () => {
      const stats = await fetch(gateway.url.replace('/graphql', '/stats')).then((response) => response.json());
      expect(stats.subscriptions).toBe(3);
    });
    await ok(gateway, 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }', { g: groupId, c: 'raw frames' }, sender);
    await eventually(() => expect(frames.every((received) => received.length > 0)).toBe(true));
    frames.forEach((received, i) => {
      expect(received[0]).toMatchObject({ id: ids[i], type: 'next', payload: { data: { newMessage: { content: 'raw frames' } } } });
    });
    for (const ws of raw) ws.terminate();
  });

  it('masks unexpected errors, from subscribing and from executing an event alike', async () => {
    const feed = gateway.services.feed;
    const group = feed.group.bind(feed);
    feed.group = async () => {
      feed.group = group;
      throw new Error('connection string postgres://secret');
    };
    const refused = sockets[0]!.subscribe(SUBSCRIPTION, { g: groupId, withSender: false });
    await refused.done.catch(() => undefined);
    await eventually(() => expect(refused.events.length).toBeGreaterThan(0));
    expect(JSON.stringify(refused.events)).not.toContain('secret');
    expect(refused.events[0]?.errors?.[0]?.message).toBe('Unexpected error.');
    expect(refused.events[0]?.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });

    const presence = gateway.services.presence;
    const isOnline = presence.isOnline;
    presence.isOnline = async () => {
      throw new Error('redis password hunter2');
    };
    try {
      const [received] = await deliverOne([sockets[1]!.subscribe(SUBSCRIPTION, { g: groupId, withSender: true })], 'with a failing field');
      expect(JSON.stringify(received)).not.toContain('hunter2');
      expect(received?.errors?.[0]?.message).toBe('Unexpected error.');
      expect(received?.errors?.[0]?.path).toEqual(['newMessage', 'sender', 'online']);
      expect(received?.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    } finally {
      presence.isOnline = isOnline;
    }
  });
});
