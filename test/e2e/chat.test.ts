import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, eventually, http, ok, sleep, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let alice: string;
let bob: string;
let carol: string;
beforeAll(async () => {
  gateway = await startGateway();
  [alice, bob, carol] = await Promise.all([tokenFor('alice', 'Alice'), tokenFor('bob', 'Bob'), tokenFor('carol', 'Carol')]);
});
afterAll(() => gateway.stop());

const MESSAGE_FIELDS = 'id groupId cursor sender { id name } msgType content imageUrl clientMessageId createdAt';
const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { clientMessageId message { ${MESSAGE_FIELDS} } } }`;
const NEW_MESSAGE = `subscription($groupId: ID, $after: String) { newMessage(groupId: $groupId, after: $after) { ${MESSAGE_FIELDS} } }`;

async function createGroup(token: string, name = 'Study group'): Promise<string> {
  const data = await ok(gateway, 'mutation($name: String!) { createGroup(name: $name) { id name unreadCount } }', { name }, token);
  expect(data.createGroup).toMatchObject({ name, unreadCount: 0 });
  return data.createGroup.id;
}

async function join(token: string, groupId: string) {
  return ok(gateway, 'mutation($groupId: ID!) { joinGroup(groupId: $groupId) { id name unreadCount } }', { groupId }, token);
}

async function send(token: string, groupId: string, content: string, extra: Record<string, unknown> = {}) {
  const data = await ok(gateway, SEND, { input: { groupId, content, ...extra } }, token);
  return data.sendMessage.message;
}

describe('groups', () => {
  it('creates, joins, lists and leaves groups', async () => {
    const groupId = await createGroup(alice, 'Robotics club');
    const joined = await join(bob, groupId);
    expect(joined.joinGroup).toEqual({ id: groupId, name: 'Robotics club', unreadCount: 0 });
    // Joining twice is harmless.
    await join(bob, groupId);

    const bobsGroups = await ok(gateway, '{ myGroups { id name unreadCount } }', {}, bob);
    expect(bobsGroups.myGroups).toContainEqual({ id: groupId, name: 'Robotics club', unreadCount: 0 });

    expect((await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, bob)).leaveGroup).toBe(true);
    expect((await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, bob)).leaveGroup).toBe(false);
    const after = await ok(gateway, '{ myGroups { id } }', {}, bob);
    expect(after.myGroups.map((group: { id: string }) => group.id)).not.toContain(groupId);
  });

  it('refuses a blank group name and an unknown group', async () => {
    const blank = await http(gateway, 'mutation { createGroup(name: "   ") { id } }', {}, alice);
    expect(blank.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await http(gateway, 'mutation { joinGroup(groupId: "no-such-group") { id } }', {}, alice);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('messages', () => {
  it('acks a message with its id, cursor and clientMessageId, and stores it in history', async () => {
    const groupId = await createGroup(alice);
    const data = await ok(gateway, SEND, { input: { groupId, content: 'hello', clientMessageId: 'c-1' } }, alice);
    expect(data.sendMessage.clientMessageId).toBe('c-1');
    const message = data.sendMessage.message;
    expect(message).toMatchObject({ groupId, sender: { id: 'alice', name: 'Alice' }, msgType: 'TEXT', content: 'hello', imageUrl: null, clientMessageId: 'c-1' });
    expect(message.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof message.cursor).toBe('string');
    expect(message.createdAt).toBe(new Date(message.createdAt).toISOString());
    expect(new Date(message.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    // The history shows it once the queue stored it in the Chat service, and before that too.
    const history = await ok(gateway, `query($g: ID!) { messages(groupId: $g) { ${MESSAGE_FIELDS} } }`, { g: groupId }, alice);
    expect(history.messages).toEqual([message]);
    await eventually(async () => {
      const { messages } = await gateway.services.chat.listMessages({ groupId });
      expect(messages.map((stored) => stored.id)).toEqual([message.id]);
    });
  });

  it('sends a message once, however often it is sent again with its clientMessageId', async () => {
    const groupId = await createGroup(alice);
    await join(bob, groupId);
    const bobSocket = connect(gateway, bearer(bob));
    const bobFeed = bobSocket.subscribe(NEW_MESSAGE, { groupId });
    await eventually(async () => expect((await fetch(gateway.url.replace('/graphql', '/stats')).then((r) => r.json())).subscriptions).toBeGreaterThanOrEqual(1));

    const counted = async () => ({
      repeated: (await gateway.services.metrics.messagesRepeated.get()).values[0]?.value ?? 0,
      sent: (await gateway.services.metrics.messagesSent.get()).values.reduce((sum, { value }) => sum + value, 0),
    });
    const before = await counted();
    const sent = await send(alice, groupId, 'only once', { clientMessageId: 'c-retry' });
    const [again, atOnce] = await Promise.all([
      send(alice, groupId, 'only once', { clientMessageId: 'c-retry' }),
      send(alice, groupId, 'only once', { clientMessageId: 'c-retry' }),
    ]);
    expect(again).toEqual(sent);
    expect(atOnce).toEqual(sent);
    const after = await send(alice, groupId, 'after');
    expect(await counted()).toEqual({ repeated: before.repeated + 2, sent: before.sent + 2 });

    expect((await bobFeed.waitFor(2)).map((event) => event.data?.newMessage)).toEqual([sent, after]);
    const history = await ok(gateway, `query($g: ID!) { messages(groupId: $g) { id } }`, { g: groupId }, alice);
    expect(history.messages).toEqual([{ id: sent.id }, { id: after.id }]);
    await bobSocket.dispose();
  });

  it('sends images and validates content', async () => {
    const groupId = await createGroup(alice);
    const image = await send(alice, groupId, 'our poster', { msgType: 'IMAGE', imageUrl: 'https://cdn.example.edu/poster.png' });
    expect(image).toMatchObject({ msgType: 'IMAGE', imageUrl: 'https://cdn.example.edu/poster.png', content: 'our poster' });

    const refused: Array<[Record<string, unknown>, string]> = [
      [{ groupId, content: '' }, 'content'],
      [{ groupId, content: '   ' }, 'content'],
      [{ groupId }, 'content'],
      [{ groupId, content: 'x'.repeat(4001) }, 'content'],
      [{ groupId, msgType: 'IMAGE' }, 'imageUrl'],
      [{ groupId, msgType: 'IMAGE', imageUrl: 'javascript:alert(1)' }, 'imageUrl'],
      [{ groupId, msgType: 'IMAGE', imageUrl: 'ftp://example.edu/a.png' }, 'imageUrl'],
      [{ groupId, content: 'hi', imageUrl: 'https://example.edu/a.png' }, 'imageUrl'],
    ];
    for (const [input, field] of refused) {
      const response = await http(gateway, SEND, { input }, alice);
      expect(response.errors?.[0]?.extensions, JSON.stringify(input).slice(0, 80)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await send(alice, groupId, 'x'.repeat(4000))).content).toHaveLength(4000);
    // Nothing refused was stored.
    const history = await ok(gateway, 'query($g: ID!) { messages(groupId: $g) { content } }', { g: groupId }, alice);
    expect(history.messages).toHaveLength(2);
  });

  it('refuses a non-member on send and on history, and an unknown group', async () => {
    const groupId = await createGroup(alice);
    const sent = await http(gateway, SEND, { input: { groupId, content: 'let me in' } }, carol);
    expect(sent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const history = await http(gateway, 'query($g: ID!) { messages(groupId: $g) { id } }', { g: groupId }, carol);
    expect(history.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await http(gateway, SEND, { input: { groupId: 'no-such-group', content: 'hi' } }, carol);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses a member who just left at once, though memberships are remembered', async () => {
    const groupId = await createGroup(alice);
    await join(bob, groupId);
    await send(bob, groupId, 'still here');
    await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, bob);
    const refused = await http(gateway, SEND, { input: { groupId, content: 'gone' } }, bob);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('pages history backwards, oldest first, by cursor', async () => {
    const groupId = await createGroup(alice);
    const sent = [];
    for (let i = 1; i <= 7; i++) sent.push(await send(alice, groupId, `m${i}`));
    const page = 'query($g: ID!, $before: String, $last: Int) { messages(groupId: $g, before: $before, last: $last) { content cursor } }';
    const latest = await ok(gateway, page, { g: groupId, last: 3 }, alice);
    expect(latest.messages.map((m: { content: string }) => m.content)).toEqual(['m5', 'm6', 'm7']);
    const older = await ok(gateway, page, { g: groupId, last: 3, before: latest.messages[0].cursor }, alice);
    expect(older.messages.map((m: { content: string }) => m.content)).toEqual(['m2', 'm3', 'm4']);
    const oldest = await ok(gateway, page, { g: groupId, last: 3, before: older.messages[0].cursor }, alice);
    expect(oldest.messages.map((m: { content: string }) => m.content)).toEqual(['m1']);

    const bad = await http(gateway, page, { g: groupId, before: 'bogus' }, alice);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'before' });
    const tooMany = await http(gateway, page, { g: groupId, last: 1000 }, alice);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'last' });
  });

  it('loads the senders of stored history with one Chat service call per request', async () => {
    const groupId = await createGroup(alice, 'Archive');
    await join(bob, groupId);
    await join(carol, groupId);
    // Stored before this gateway's log knew of them: only their sender ids come with them.
    const senders = ['alice', 'bob', 'carol', 'bob', 'alice', 'carol'];
    for (const [i, senderId] of senders.entries()) {
      await gateway.services.chat.saveMessage({
        message: { id: `archived-${groupId}-${i}`, groupId, seq: i + 1, senderId, msgType: 1, content: `old ${i}`, imageUrl: '', clientMessageId: '', createdAtMs: Date.now() },
      });
    }
    const chat = gateway.services.chat;
    const getUsers = chat.getUsers;
    const batches: string[][] = [];
    chat.getUsers = (request) => {
      batches.push([...request.ids].sort());
      return getUsers(request);
    };
    try {
      const history = await ok(gateway, 'query($g: ID!) { messages(groupId: $g) { content sender { id name } } }', { g: groupId }, alice);
      expect(history.messages.map((m: { sender: { name: string } }) => m.sender.name)).toEqual(['Alice', 'Bob', 'Carol', 'Bob', 'Alice', 'Carol']);
      expect(batches).toEqual([['alice', 'bob', 'carol']]);
    } finally {
      chat.getUsers = getUsers;
    }
  });

  it('counts unread messages, never one\'s own, and markRead lowers the count', async () => {
    const groupId = await createGroup(alice);
    await join(bob, groupId);
    await send(bob, groupId, 'mine');
    const first = await send(alice, groupId, 'one');
    await send(alice, groupId, 'two');
    const third = await send(alice, groupId, 'three');

    const unreadOf = async (token: string) => {
      const data = await ok(gateway, '{ myGroups { id unreadCount } }', {}, token);
      return data.myGroups.find((group: { id: string }) => group.id === groupId).unreadCount;
    };
    await eventually(async () => expect(await unreadOf(bob)).toBe(3));
    // Sending marks everything before one's own message read.
    expect(await unreadOf(alice)).toBe(0);

    const MARK = 'mutation($g: ID!, $m: ID!) { markRead(groupId: $g, messageId: $m) { id name unreadCount } }';
    expect((await ok(gateway, MARK, { g: groupId, m: first.id }, bob)).markRead).toMatchObject({ id: groupId, unreadCount: 2 });
    expect((await ok(gateway, MARK, { g: groupId, m: third.id }, bob)).markRead.unreadCount).toBe(0);
    // Marking an older message does not bring unread messages back.
    expect((await ok(gateway, MARK, { g: groupId, m: first.id }, bob)).markRead.unreadCount).toBe(0);
    expect(await unreadOf(bob)).toBe(0);

    const unknown = await http(gateway, MARK, { g: groupId, m: 'no-such-message' }, bob);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('limits how fast one user sends', async () => {
    const limited = await startGateway({ SEND_RATE_PER_SECOND: '1', SEND_BURST: '3' });
    try {
      const group = await ok(limited, 'mutation { createGroup(name: "fast") { id } }', {}, alice);
      const responses = [];
      for (let i = 0; i < 5; i++) responses.push(await http(limited, SEND, { input: { groupId: group.createGroup.id, content: `m${i}` } }, alice));
      expect(responses.slice(0, 3).every((response) => !response.errors)).toBe(true);
      expect(responses[3]?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(responses[3]?.status).toBe(429);
    } finally {
      await limited.stop();
    }
  });
});

describe('subscriptions', () => {
  it('lets two users chat in a group', async () => {
    const groupId = await createGroup(alice, 'Chat');
    await join(bob, groupId);
    const aliceSocket = connect(gateway, bearer(alice));
    const bobSocket = connect(gateway, bearer(bob));
    const aliceFeed = aliceSocket.subscribe(NEW_MESSAGE, { groupId });
    const bobFeed = bobSocket.subscribe(NEW_MESSAGE, { groupId });
    await eventually(async () => expect((await fetch(gateway.url.replace('/graphql', '/stats')).then((r) => r.json())).subscriptions).toBeGreaterThanOrEqual(2));

    const hello = await send(alice, groupId, 'hi Bob', { clientMessageId: 'a1' });
    const reply = await send(bob, groupId, 'hi Alice');
    const [first, second] = await bobFeed.waitFor(2);
    expect(first?.data?.newMessage).toEqual(hello);
    expect(second?.data?.newMessage).toEqual(reply);
    expect((await aliceFeed.waitFor(2)).map((event) => event.data?.newMessage.content)).toEqual(['hi Bob', 'hi Alice']);
    await Promise.all([aliceSocket.dispose(), bobSocket.dispose()]);
  });

  it('refuses a non-member on subscribe', async () => {
    const groupId = await createGroup(alice);
    const socket = connect(gateway, bearer(carol));
    const feed = socket.subscribe(NEW_MESSAGE, { groupId });
    await feed.waitFor(1);
    expect(feed.events[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await send(alice, groupId, 'secret');
    await sleep(100);
    expect(feed.events).toHaveLength(1);
    await socket.dispose();
  });

  it('ends a group subscription when the member leaves', async () => {
    const groupId = await createGroup(alice);
    await join(bob, groupId);
    const socket = connect(gateway, bearer(bob));
    const feed = socket.subscribe(NEW_MESSAGE, { groupId });
    await sleep(100);
    await send(alice, groupId, 'before');
    await feed.waitFor(1);
    await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, bob);
    await feed.done;
    await send(alice, groupId, 'after');
    await sleep(100);
    expect(feed.events.map((event) => event.data?.newMessage.content)).toEqual(['before']);
    await socket.dispose();
  });

  it('follows every group of the viewer, adding joined ones and dropping left ones', async () => {
    const g1 = await createGroup(alice, 'one');
    const g2 = await createGroup(alice, 'two');
    const g3 = await createGroup(alice, 'three');
    await join(bob, g1);
    await join(bob, g2);
    const socket = connect(gateway, bearer(bob));
    const feed = socket.subscribe(NEW_MESSAGE, {});
    await sleep(150);
    await send(alice, g1, 'g1 a');
    await send(alice, g2, 'g2 a');
    await send(alice, g3, 'g3 not yet');
    await feed.waitFor(2);
    await join(bob, g3);
    await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: g1 }, bob);
    await sleep(100);
    await send(alice, g1, 'g1 after leaving');
    await send(alice, g3, 'g3 joined');
    await send(alice, g2, 'g2 b');
    await feed.waitFor(4);
    await sleep(100);
    expect(feed.events.map((event) => event.data?.newMessage.content)).toEqual(['g1 a', 'g2 a', 'g3 joined', 'g2 b']);
    await socket.dispose();
  });

  it('resumes after a cursor with no gap and no duplicate', async () => {
    const groupId = await createGroup(alice);
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(alice, groupId, `m${i}`));
    const socket = connect(gateway, bearer(alice));
    const feed = socket.subscribe(NEW_MESSAGE, { groupId, after: sent[1].cursor });
    await feed.waitFor(3);
    await send(alice, groupId, 'm6');
    await feed.waitFor(4);
    expect(feed.events.map((event) => event.data?.newMessage.content)).toEqual(['m3', 'm4', 'm5', 'm6']);
    await socket.dispose();
  });

  it('resumes every group exactly after its own cursor when all groups are followed', async () => {
    const a = await createGroup(alice, 'a');
    const b = await createGroup(alice, 'b');
    const c = await createGroup(alice, 'c');
    const b1 = await send(alice, b, 'b1');
    const a1 = await send(alice, a, 'a1');
    await send(alice, b, 'b2'); // created before a2, yet missed: a time-based resume would lose it
    await send(alice, c, 'c1');
    const a2 = await send(alice, a, 'a2');
    const socket = connect(gateway, bearer(alice));
    // The latest cursor of each group the client had seen; group c was never seen, so it replays
    // from the earliest listed cursor's time.
    const feed = socket.subscribe(NEW_MESSAGE, { after: [a2.cursor, b1.cursor, a1.cursor].join(',') });
    await feed.waitFor(2);
    await send(alice, c, 'c2');
    await feed.waitFor(3);
    await sleep(100);
    expect(feed.events.map((event) => event.data?.newMessage.content)).toEqual(['b2', 'c1', 'c2']);

    const refused = socket.subscribe(NEW_MESSAGE, { groupId: c, after: a2.cursor });
    await refused.waitFor(1);
    expect(refused.events[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    await socket.dispose();
  });

  it('delivers a notification only to its user, and only admins or services may publish', async () => {
    const admin = await tokenFor('ops', 'Ops', ['admin']);
    const aliceSocket = connect(gateway, bearer(alice));
    const bobSocket = connect(gateway, bearer(bob));
    const aliceNotes = aliceSocket.subscribe('subscription { notification { id type title content createdAt } }');
    const bobNotes = bobSocket.subscribe('subscription { notification { id type title content createdAt } }');
    await sleep(100);

    const PUBLISH = 'mutation($u: ID!) { publishNotification(userId: $u, type: "activity.reminder", title: "Hike", content: "Tomorrow 8am") { id title } }';
    const refused = await http(gateway, PUBLISH, { u: 'alice' }, bob);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const published = await ok(gateway, PUBLISH, { u: 'alice' }, admin);
    const service = await tokenFor('activity-service', undefined, ['service']);
    await ok(gateway, PUBLISH, { u: 'alice' }, service);

    const received = await aliceNotes.waitFor(2);
    expect(received[0]?.data?.notification).toMatchObject({ id: published.publishNotification.id, type: 'activity.reminder', title: 'Hike', content: 'Tomorrow 8am' });
    await sleep(100);
    expect(bobNotes.events).toEqual([]);
    await Promise.all([aliceSocket.dispose(), bobSocket.dispose()]);
  });

  it('shows who is online in a group, across several devices', async () => {
    const groupId = await createGroup(alice);
    await join(bob, groupId);
    const ONLINE = 'query($g: ID!) { onlineMembers(groupId: $g) { id name online } }';
    const phone = connect(gateway, bearer(bob));
    const laptop = connect(gateway, bearer(bob));
    await phone.subscribe('subscription { notification { id } }');
    await laptop.subscribe('subscription { notification { id } }');
    await eventually(async () => expect((await ok(gateway, ONLINE, { g: groupId }, alice)).onlineMembers).toEqual([{ id: 'bob', name: 'Bob', online: true }]));
    await phone.dispose();
    await sleep(100);
    expect((await ok(gateway, ONLINE, { g: groupId }, alice)).onlineMembers).toHaveLength(1);
    await laptop.dispose();
    await eventually(async () => expect((await ok(gateway, ONLINE, { g: groupId }, alice)).onlineMembers).toEqual([]));
    const outsider = await http(gateway, ONLINE, { g: groupId }, carol);
    expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
