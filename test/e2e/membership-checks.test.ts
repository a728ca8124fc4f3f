import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryChatStore } from '../../src/chat-service/memory-store.js';
import { createChatService, type ChatServiceHandle } from '../../src/chat-service/server.js';
import type { ChatStore } from '../../src/chat-service/store.js';
import { bearer, connect, eventually, ok, startGateway, tokenFor, type SocketClient, type TestGateway } from '../support/gateway.js';

const SUBSCRIBERS = 30;
const NEW_MESSAGE = 'subscription($g: ID!) { newMessage(groupId: $g) { content } }';
const SEND = 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }';

let chat: ChatServiceHandle;
let gateway: TestGateway;
/** Whose membership the Chat service was asked about: by CheckMembership, and by each CheckMemberships. */
const asked = { one: [] as string[], many: [] as string[][] };
const sockets: SocketClient[] = [];

beforeAll(async () => {
  const real = createMemoryChatStore();
  const store: ChatStore = {
    ...real,
    isMember: (groupId, userId) => {
      asked.one.push(userId);
      return real.isMember(groupId, userId);
    },
    memberships: (checks) => {
      asked.many.push(checks.map((check) => check.userId));
      return real.memberships(checks);
    },
  };
  chat = createChatService({ store, logger: pino({ level: 'silent' }) });
  const { address } = await chat.start();
  gateway = await startGateway({ CHAT_GRPC_URL: address });
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await gateway?.stop();
  await chat?.stop();
});

/** Opens a socket for the user and waits for its connection_ack. */
async function connected(userId: string): Promise<SocketClient> {
  const socket = connect(gateway, bearer(await tokenFor(userId)));
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.client.on('connected', () => resolve()));
  return socket;
}

describe('membership checks of many subscribers at once', () => {
  it('reach the Chat service in a few calls, each subscriber answered for itself', async () => {
    const owner = await tokenFor('owner');
    const groupId = (await ok(gateway, 'mutation { createGroup(name: "Lecture") { id } }', {}, owner)).createGroup.id as string;
    const members = Array.from({ length: SUBSCRIBERS }, (_, i) => `student-${i}`);
    for (const member of members) await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, await tokenFor(member));
    const memberSockets = await Promise.all(members.map(connected));
    const outsiderSocket = await connected('outsider');

    asked.one = [];
    asked.many = [];
    // Every subscribe leaves in the same turn, as after a reconnect storm.
    const feeds = memberSockets.map((socket) => socket.subscribe<{ newMessage: { content: string } }>(NEW_MESSAGE, { g: groupId }));
    const refused = outsiderSocket.subscribe(NEW_MESSAGE, { g: groupId });

    await refused.done;
    expect(refused.events[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await eventually(async () => {
      await ok(gateway, SEND, { g: groupId, c: 'welcome' }, owner);
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const feed of feeds) expect(feed.events.length).toBeGreaterThan(0);
    });
    // Each subscription was checked once, and most of them together (the owner's sends check too).
    const subscribers = (userIds: string[]) => userIds.filter((userId) => userId !== 'owner');
    const checkedAlone = subscribers(asked.one);
    const batches = asked.many.map(subscribers).filter((batch) => batch.length > 0);
    expect([...checkedAlone, ...batches.flat()].sort()).toEqual([...members, 'outsider'].sort());
    expect(batches.length).toBeGreaterThan(0);
    expect(checkedAlone.length + batches.length).toBeLessThan((SUBSCRIBERS + 1) / 2);
  });
});
