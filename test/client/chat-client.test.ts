import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import {
  ChatClientError,
  ChatCloseCode,
  createChatClient,
  CreateGroupDocument,
  JoinGroupDocument,
  LeaveGroupDocument,
  MarkReadDocument,
  MeDocument,
  MessagesDocument,
  MyGroupsDocument,
  NewMessageDocument,
  NotificationDocument,
  OnlineMembersDocument,
  PublishNotificationDocument,
  SendMessageDocument,
  toWebSocketUrl,
  type ChatClient,
  type ChatClientOptions,
  type MessageFieldsFragment,
  type ResultOf,
  type TokenSource,
} from '../../client/index.js';
import { signDevToken } from '../../src/auth/dev-token.js';
import { DEV_JWT_SECRET, loadConfig } from '../../src/config.js';
import { SocketCloseCode } from '../../src/realtime/close-codes.js';
import { buildServer } from '../../src/server.js';

const gateway = buildServer(loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }));
let url: string;
let port: number;

beforeAll(async () => {
  ({ url, port } = await gateway.start());
});
afterAll(() => gateway.stop());

const clients: ChatClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

const nameOf = (userId: string) => userId[0]!.toUpperCase() + userId.slice(1);
const token = (userId: string, extra: { roles?: string[]; expiresInSeconds?: number } = {}) =>
  signDevToken({ userId, name: nameOf(userId), secret: DEV_JWT_SECRET, ...extra });

/** A client of the in-process gateway, disposed after the test; user ids are unique per test. */
function connect(tokenSource: TokenSource, options: Partial<ChatClientOptions> = {}): ChatClient {
  const client = createChatClient({ url, token: tokenSource, webSocketImpl: WebSocket, ...options });
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let users = 0;
const userId = (name: string) => `${name}-${++users}`;

/** What a failed operation rejected with. */
async function failure(promise: Promise<unknown>): Promise<ChatClientError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ChatClientError);
  return outcome as ChatClientError;
}

/** Collects a subscription's data; `next(n)` waits until n items arrived. */
function collector<T>() {
  const items: T[] = [];
  const waiters: Array<() => void> = [];
  let failed: ChatClientError | undefined;
  let completed = false;
  const settle = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  return {
    items,
    get failed() {
      return failed;
    },
    get completed() {
      return completed;
    },
    handlers: {
      next: (item: T) => {
        items.push(item);
        settle();
      },
      error: (error: ChatClientError) => {
        failed = error;
        settle();
      },
      complete: () => {
        completed = true;
        settle();
      },
    },
    async until(predicate: () => boolean): Promise<void> {
      while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/** A group of `owner`'s that `others` joined, and a first message whose cursor later subscriptions start after. */
async function groupWith(owner: ChatClient, ...others: ChatClient[]) {
  const { createGroup } = await owner.mutate(CreateGroupDocument, { name: 'Climbing club' });
  for (const other of others) await other.mutate(JoinGroupDocument, { groupId: createGroup.id });
  const { message } = await owner.sendMessage({ groupId: createGroup.id, content: 'Welcome!' });
  return { group: createGroup, after: message.cursor };
}

describe('createChatClient against the gateway', () => {
  it('lets two users chat: each receives the other one’s messages, typed', async () => {
    const [aliceId, bobId] = [userId('alice'), userId('bob')];
    const alice = connect(await token(aliceId));
    const bob = connect(await token(bobId));
    const { group, after } = await groupWith(alice, bob);

    const aliceInbox = collector<MessageFieldsFragment>();
    const bobInbox = collector<ResultOf<typeof NewMessageDocument>>();
    alice.onNewMessage(group.id, aliceInbox.handlers.next, { after, error: aliceInbox.handlers.error });
    bob.subscribe(NewMessageDocument, { groupId: group.id, after }, bobInbox.handlers);

    const sent = await bob.sendMessage({ groupId: group.id, content: 'Hi Alice', clientMessageId: 'bob-1' });
    const reply = await alice.mutate(SendMessageDocument, { input: { groupId: group.id, content: 'Hi Bob' } });

    await aliceInbox.until(() => aliceInbox.items.length === 2);
    await bobInbox.until(() => bobInbox.items.length === 2);

    const received = aliceInbox.items[0]!;
    expectTypeOf(received).toEqualTypeOf<MessageFieldsFragment>();
    expectTypeOf(received.msgType).toEqualTypeOf<'IMAGE' | 'TEXT'>();
    expect(received).toEqual(sent.message);
    expect(received).toMatchObject({
      groupId: group.id,
      sender: { id: bobId, name: nameOf(bobId) },
      msgType: 'TEXT',
      content: 'Hi Alice',
      imageUrl: null,
      clientMessageId: 'bob-1',
    });
    expect(sent.clientMessageId).toBe('bob-1');
    expect(new Date(received.createdAt).toISOString()).toBe(received.createdAt);
    expect(typeof received.cursor).toBe('string');

    expect(aliceInbox.items.map((message) => message.content)).toEqual(['Hi Alice', 'Hi Bob']);
    expect(bobInbox.items.map(({ newMessage }) => newMessage.id)).toEqual([sent.message.id, reply.sendMessage.message.id]);
    expect(aliceInbox.failed).toBeUndefined();
  });

  it('answers queries and mutations with typed results', async () => {
    const [aliceId, bobId] = [userId('alice'), userId('bob')];
    const alice = connect(await token(aliceId));
    const bob = connect(await token(bobId));

    const me = await alice.query(MeDocument);
    expectTypeOf(me).toEqualTypeOf<{ me: { id: string; name: string; online: boolean } }>();
    expect(me.me).toEqual({ id: aliceId, name: nameOf(aliceId), online: true });

    const { group } = await groupWith(alice, bob);
    expect(group.unreadCount).toBe(0);
    const { message } = await bob.sendMessage({ groupId: group.id, content: 'One' });
    await bob.sendMessage({ groupId: group.id, content: 'Two' });

    const { myGroups } = await alice.query(MyGroupsDocument);
    expectTypeOf(myGroups).toEqualTypeOf<Array<{ id: string; name: string; unreadCount: number }>>();
    expect(myGroups).toContainEqual({ id: group.id, name: 'Climbing club', unreadCount: 2 });

    const { messages } = await alice.query(MessagesDocument, { groupId: group.id, last: 2 });
    expect(messages.map((each) => each.content)).toEqual(['One', 'Two']);
    const older = await alice.query(MessagesDocument, { groupId: group.id, before: messages[0]!.cursor });
    expect(older.messages.map((each) => each.content)).toEqual(['Welcome!']);

    const { onlineMembers } = await alice.query(OnlineMembersDocument, { groupId: group.id });
    expect(onlineMembers.map((member) => member.id).sort()).toEqual([aliceId, bobId].sort());

    const { markRead } = await alice.mutate(MarkReadDocument, { groupId: group.id, messageId: message.id });
    expect(markRead.unreadCount).toBe(1);

    const left = await bob.mutate(LeaveGroupDocument, { groupId: group.id });
    expectTypeOf(left).toEqualTypeOf<{ leaveGroup: boolean }>();
    expect(left.leaveGroup).toBe(true);
    expect((await bob.mutate(LeaveGroupDocument, { groupId: group.id })).leaveGroup).toBe(false);
  });

  it('types variables from the documents', () => {
    // Compiled, never run: tsc checks the expected errors.
    const typeChecks = (client: ChatClient) => {
      // @ts-expect-error groupId is required
      void client.query(MessagesDocument);
      // @ts-expect-error Me takes no variables
      void client.query(MeDocument, { groupId: 'g' });
      // @ts-expect-error messageId is an ID, a string
      void client.mutate(MarkReadDocument, { groupId: 'g', messageId: 1 });
      void client.query(MeDocument);
      void client.iterate(NewMessageDocument);
    };
    expect(typeChecks).toBeTypeOf('function');
  });

  it('refuses a bad or expired token with UNAUTHENTICATED (4403), at once', async () => {
    for (const bad of ['not-a-jwt', await token(userId('eve'), { expiresInSeconds: -60 })]) {
      const client = connect(bad, { retryDelayMs: 60_000 });
      const started = Date.now();
      const error = await failure(client.query(MeDocument));
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.closeCode).toBe(4403);
      // A retry would have waited a minute.
      expect(Date.now() - started).toBeLessThan(5_000);

      const subscription = collector<unknown>();
      client.subscribe(NotificationDocument, undefined, subscription.handlers);
      await subscription.until(() => subscription.failed !== undefined);
      expect(subscription.failed?.closeCode).toBe(4403);
    }
  });

  it('asks a token function again once when the token is refused', async () => {
    const good = await token(userId('alice'));
    const handed: string[] = [];
    const refreshed = connect(() => {
      handed.push(handed.length === 0 ? 'expired' : 'fresh');
      return handed.length === 1 ? 'not-a-jwt' : good;
    });
    expect((await refreshed.query(MeDocument)).me.id).toMatch(/^alice-/);
    expect(handed).toEqual(['expired', 'fresh']);

    let calls = 0;
    const hopeless = connect(() => {
      calls++;
      return 'not-a-jwt';
    });
    expect((await failure(hopeless.query(MeDocument))).code).toBe('UNAUTHENTICATED');
    expect(calls).toBe(2);

    const broken = connect(() => Promise.reject(new Error('refresh endpoint down')));
    const error = await failure(broken.query(MeDocument));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect((error.cause as Error).message).toBe('refresh endpoint down');
  });

  it('carries extensions.code of GraphQL errors', async () => {
    const alice = connect(await token(userId('alice')));
    const mallory = connect(await token(userId('mallory')));
    const { group, after } = await groupWith(alice);

    const forbidden = await failure(mallory.sendMessage({ groupId: group.id, content: 'let me in' }));
    expect(forbidden.code).toBe('FORBIDDEN');
    expect(forbidden.errors[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forbidden.errors[0]?.path).toEqual(['sendMessage']);

    const badInput = await failure(alice.query(MessagesDocument, { groupId: group.id, last: 0 }));
    expect(badInput.code).toBe('BAD_USER_INPUT');

    const adminOnly = await failure(
      alice.mutate(PublishNotificationDocument, { userId: 'bob', type: 'test', title: 'Hi', content: 'Hello' }),
    );
    expect(adminOnly.code).toBe('FORBIDDEN');

    const subscription = collector<unknown>();
    mallory.subscribe(NewMessageDocument, { groupId: group.id, after }, subscription.handlers);
    await subscription.until(() => subscription.failed !== undefined);
    expect(subscription.failed?.code).toBe('FORBIDDEN');

    const iterator = mallory.iterate(NewMessageDocument, { groupId: group.id });
    expect((await failure(iterator.next())).code).toBe('FORBIDDEN');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    await expect(alice.mutate(MeDocument)).rejects.toThrow(TypeError);
  });

  it('delivers notifications published by a service token', async () => {
    const bobId = userId('bob');
    const bob = connect(await token(bobId));
    const service = connect(await token('campus-events', { roles: ['service'] }));

    const notifications = collector<ResultOf<typeof NotificationDocument>>();
    bob.subscribe(NotificationDocument, undefined, notifications.handlers);

    // Notifications are not replayed, and nothing tells when the subscription is up: publish until one arrives.
    const published: Array<ResultOf<typeof PublishNotificationDocument>['publishNotification']> = [];
    while (notifications.items.length === 0 && published.length < 50) {
      const { publishNotification } = await service.mutate(PublishNotificationDocument, {
        userId: bobId,
        type: 'activity.reminder',
        title: 'Bouldering',
        content: 'Saturday 10am',
      });
      published.push(publishNotification);
      await Promise.race([notifications.until(() => notifications.items.length > 0), sleep(100)]);
    }
    expect(published).toContainEqual(notifications.items[0]!.notification);
    expect(notifications.items[0]!.notification).toMatchObject({ type: 'activity.reminder', title: 'Bouldering' });
  });

  it('iterates a subscription until the loop breaks', async () => {
    const alice = connect(await token(userId('alice')));
    const bob = connect(await token(userId('bob')));
    const { group, after } = await groupWith(alice, bob);

    const contents: Array<string | null> = [];
    const reading = (async () => {
      for await (const { newMessage } of alice.iterate(NewMessageDocument, { groupId: group.id, after })) {
        contents.push(newMessage.content);
        if (contents.length === 2) break;
      }
    })();
    await bob.sendMessage({ groupId: group.id, content: 'one' });
    await bob.sendMessage({ groupId: group.id, content: 'two' });
    await reading;
    expect(contents).toEqual(['one', 'two']);
  });

  it('completes a subscription when the viewer leaves the group', async () => {
    const alice = connect(await token(userId('alice')));
    const bob = connect(await token(userId('bob')));
    const { group, after } = await groupWith(alice, bob);

    const inbox = collector<MessageFieldsFragment>();
    bob.onNewMessage(group.id, inbox.handlers.next, { after, complete: inbox.handlers.complete });
    await alice.sendMessage({ groupId: group.id, content: 'still there?' });
    await inbox.until(() => inbox.items.length === 1);

    await bob.mutate(LeaveGroupDocument, { groupId: group.id });
    await inbox.until(() => inbox.completed);
  });

  it('resumes onNewMessage after a dropped socket without missing or repeating a message', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 300, maxRetryDelayMs: 300 });
    const bob = connect(await token(userId('bob')));
    const { group, after } = await groupWith(alice, bob);

    let connections = 0;
    alice.on('connected', () => connections++);
    const inbox = collector<MessageFieldsFragment>();
    alice.onNewMessage(group.id, inbox.handlers.next, { after, error: inbox.handlers.error });
    await bob.sendMessage({ groupId: group.id, content: 'before the drop' });
    await inbox.until(() => inbox.items.length === 1);

    alice.terminate();
    // Sent while alice waits to reconnect: only a resume from her last cursor can deliver it.
    await bob.sendMessage({ groupId: group.id, content: 'during the drop' });
    await bob.sendMessage({ groupId: group.id, content: 'after the drop' });
    await inbox.until(() => inbox.items.length >= 3);

    expect(inbox.items.map((message) => message.content)).toEqual(['before the drop', 'during the drop', 'after the drop']);
    expect(connections).toBe(1);
    expect(inbox.failed).toBeUndefined();
  });

  it('resumes onNewMessage across all groups after a dropped socket, each group after its own last message', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 300, maxRetryDelayMs: 300 });
    const bob = connect(await token(userId('bob')));
    const first = await groupWith(alice, bob);
    const second = await groupWith(alice, bob);

    const inbox = collector<MessageFieldsFragment>();
    alice.onNewMessage(null, inbox.handlers.next, { after: second.after, error: inbox.handlers.error });
    await bob.sendMessage({ groupId: first.group.id, content: 'one: before' });
    await bob.sendMessage({ groupId: second.group.id, content: 'two: before' });
    await inbox.until(() => inbox.items.length === 2);

    alice.terminate();
    await bob.sendMessage({ groupId: second.group.id, content: 'two: during' });
    await bob.sendMessage({ groupId: first.group.id, content: 'one: during' });
    await inbox.until(() => inbox.items.length >= 4);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(inbox.items.map((message) => message.content)).toEqual(['one: before', 'two: before', 'two: during', 'one: during']);
    expect(inbox.failed).toBeUndefined();
  });

  it('fails a mutation in flight when the socket drops, but retries a query', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 100, maxRetryDelayMs: 100 });
    const { group } = await groupWith(alice);

    const mutation = alice.mutate(SendMessageDocument, { input: { groupId: group.id, content: 'maybe sent' } });
    const query = alice.query(MeDocument);
    alice.terminate();

    const error = await failure(mutation);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.closeCode).toBe(4499);
    expect((await query).me.id).toMatch(/^alice-/);
  });

  it('sends a message again when the socket drops with it under way, and it is sent once', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 50, maxRetryDelayMs: 50 });
    const { group } = await groupWith(alice);

    for (const content of ['first', 'second', 'third']) {
      const sending = alice.sendMessage({ groupId: group.id, content });
      // Dropped before, while or after the gateway took it: whichever, the answer is one message.
      await sleep(content === 'first' ? 0 : content === 'second' ? 2 : 10);
      alice.terminate();
      const { clientMessageId, message } = await sending;
      expect(clientMessageId).toMatch(/^[0-9a-f-]{32,36}$/);
      expect(message).toMatchObject({ content, clientMessageId });
    }
    const { messages } = await alice.query(MessagesDocument, { groupId: group.id });
    expect(messages.map((message) => message.content)).toEqual(['Welcome!', 'first', 'second', 'third']);
  });

  it('can be terminated while its socket is still connecting, and connects again', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 10, maxRetryDelayMs: 10 });
    let attempts = 0;
    // The socket is made right after this event: terminated on the next microtask, it is still connecting.
    alice.on('connecting', () => {
      if (++attempts === 1) queueMicrotask(() => alice.terminate());
    });
    expect((await alice.query(MeDocument)).me.id).toMatch(/^alice-/);
    await sleep(50);
    expect(attempts).toBe(2);
  });

  it('gives up sending again after sendAttempts, with the last failure', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 10, sendAttempts: 2 });
    const { group } = await groupWith(alice);
    alice.terminate();
    // Every socket from here on drops as soon as it is up, with the send under way.
    let connections = 0;
    alice.on('connected', () => {
      connections++;
      alice.terminate();
    });
    const error = await failure(alice.sendMessage({ groupId: group.id, content: 'never answered' }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(connections).toBe(2);
  });

  it('rejects operations once disposed, and ends those in flight', async () => {
    const alice = connect(await token(userId('alice')));
    const { group, after } = await groupWith(alice);
    const inbox = collector<MessageFieldsFragment>();
    alice.onNewMessage(group.id, inbox.handlers.next, { after, complete: inbox.handlers.complete });
    const pending = alice.query(MeDocument);

    await alice.dispose();
    await pending.catch(() => undefined);
    await inbox.until(() => inbox.completed);
    expect((await failure(alice.query(MeDocument))).code).toBe('DISPOSED');
  });

  it('disposes at once while waiting to reconnect', async () => {
    const alice = connect(await token(userId('alice')), { retryDelayMs: 60_000 });
    const { group, after } = await groupWith(alice);
    const inbox = collector<MessageFieldsFragment>();
    alice.onNewMessage(group.id, inbox.handlers.next, { after, complete: inbox.handlers.complete });
    await alice.sendMessage({ groupId: group.id, content: 'hello' });
    await inbox.until(() => inbox.items.length === 1);

    let attempts = 0;
    alice.on('connecting', () => attempts++);
    alice.terminate();
    await sleep(50);
    const started = Date.now();
    await alice.dispose();
    await inbox.until(() => inbox.completed);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toBe(0);
  });

  it('gives up reconnecting to a gateway that is gone with UNAVAILABLE', async () => {
    const client = connect(await token(userId('alice')), { url: `http://127.0.0.1:1/graphql`, retryAttempts: 2, retryDelayMs: 10 });
    const error = await failure(client.query(MeDocument));
    expect(error.code).toBe('UNAVAILABLE');
  });
});

describe('createChatClient against a single-session gateway', () => {
  const singleSession = buildServer(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SINGLE_SESSION: 'true' }));
  let singleSessionUrl: string;
  beforeAll(async () => {
    singleSessionUrl = (await singleSession.start()).url;
  });
  afterAll(() => singleSession.stop());

  it('surfaces a replaced session (4001) and does not reconnect', async () => {
    const aliceId = userId('alice');
    const laptop = connect(await token(aliceId), { url: singleSessionUrl, retryDelayMs: 10 });
    const phone = connect(await token(aliceId), { url: singleSessionUrl, retryDelayMs: 10 });
    const { group, after } = await groupWith(laptop);

    const inbox = collector<MessageFieldsFragment>();
    laptop.onNewMessage(group.id, inbox.handlers.next, { after, error: inbox.handlers.error });
    await laptop.sendMessage({ groupId: group.id, content: 'from the laptop' });
    await inbox.until(() => inbox.items.length === 1);
    let attempts = 0;
    laptop.on('connecting', () => attempts++);

    expect((await phone.query(MeDocument)).me.id).toBe(aliceId);
    await inbox.until(() => inbox.failed !== undefined);
    expect(inbox.failed).toMatchObject({ code: 'SESSION_REPLACED', closeCode: ChatCloseCode.SessionReplaced });

    // Reconnecting would have closed the phone in turn.
    await sleep(100);
    expect(attempts).toBe(0);
    expect((await phone.query(MeDocument)).me.id).toBe(aliceId);
  });
});

describe('client constants', () => {
  it('uses the gateway’s close codes', () => {
    expect(ChatCloseCode.Forbidden).toBe(SocketCloseCode.Forbidden);
    expect(ChatCloseCode.SessionReplaced).toBe(SocketCloseCode.SessionReplaced);
    expect(ChatCloseCode.FellBehind).toBe(SocketCloseCode.FellBehind);
  });

  it('reads an http(s) URL as the ws(s) one', () => {
    expect(toWebSocketUrl(`http://localhost:${port}/graphql`)).toBe(`ws://localhost:${port}/graphql`);
    expect(toWebSocketUrl('https://chat.example.org/graphql')).toBe('wss://chat.example.org/graphql');
    expect(toWebSocketUrl('wss://chat.example.org/graphql')).toBe('wss://chat.example.org/graphql');
    expect(() => toWebSocketUrl('ftp://chat.example.org/graphql')).toThrow(TypeError);
  });
});
