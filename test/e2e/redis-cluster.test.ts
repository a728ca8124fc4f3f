import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor } from '../../src/messages/cursor.js';
import { startCluster, type TestCluster } from '../redis/cluster.js';
import { bearer, connect, eventually, http, ok, sleep, tokenFor, type TestGateway } from '../support/gateway.js';

const MESSAGE_FIELDS = 'id groupId cursor sender { id } content createdAt';
const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { ${MESSAGE_FIELDS} } } }`;
const NEW_MESSAGE = `subscription($groupId: ID, $after: String) { newMessage(groupId: $groupId, after: $after) { ${MESSAGE_FIELDS} } }`;
const PRESENCE = 'subscription($g: ID!) { presenceChanged(groupId: $g) { id name online lastSeenAt } }';

let cluster: TestCluster;
let a: TestGateway;
let b: TestGateway;
let admin: Redis;
let alice: string;
let bob: string;
let carol: string;
beforeAll(async () => {
  cluster = await startCluster({ instances: 2 });
  [a, b] = cluster.gateways as [TestGateway, TestGateway];
  admin = new Redis(cluster.redisUrl);
  [alice, bob, carol] = await Promise.all([tokenFor('alice', 'Alice'), tokenFor('bob', 'Bob'), tokenFor('carol', 'Carol')]);
});
afterAll(async () => {
  admin?.disconnect();
  await cluster?.stop();
});

async function createGroup(gateway: TestGateway, token: string): Promise<string> {
  return (await ok(gateway, 'mutation { createGroup(name: "cluster") { id } }', {}, token)).createGroup.id;
}
const join = (gateway: TestGateway, token: string, groupId: string) =>
  ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, token);
const leave = (gateway: TestGateway, token: string, groupId: string) =>
  ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, token);
const send = async (gateway: TestGateway, token: string, groupId: string, content: string) =>
  (await ok(gateway, SEND, { input: { groupId, content } }, token)).sendMessage.message;
const contents = (events: Array<{ data?: Record<string, any> | null }>) => events.map((event) => event.data?.newMessage.content);
const subscribers = async (channel: string) => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]);

/** A group of Alice's (on A) that Bob joined (on B), each following its messages on their own instance. */
async function groupFollowedOnBoth() {
  const groupId = await createGroup(a, alice);
  await join(b, bob, groupId);
  const aliceOnA = connect(a, bearer(alice));
  const bobOnB = connect(b, bearer(bob));
  const aliceFeed = aliceOnA.subscribe(NEW_MESSAGE, { groupId });
  const bobFeed = bobOnB.subscribe(NEW_MESSAGE, { groupId });
  await eventually(async () => expect(await subscribers(`${cluster.prefix}:group:${groupId}`)).toBe(2));
  return { groupId, aliceFeed, bobFeed, dispose: () => Promise.all([aliceOnA.dispose(), bobOnB.dispose()]) };
}

describe('several gateway instances on one Redis', () => {
  it('delivers a message sent on one instance to subscribers on the other, both ways', async () => {
    const { groupId, aliceFeed, bobFeed, dispose } = await groupFollowedOnBoth();
    const fromA = await send(a, alice, groupId, 'from A');
    const fromB = await send(b, bob, groupId, 'from B');
    expect([fromA.cursor, fromB.cursor]).not.toContain(undefined);
    await bobFeed.waitFor(2);
    await aliceFeed.waitFor(2);
    expect(bobFeed.events.map((event) => event.data?.newMessage)).toEqual([fromA, fromB]);
    expect(contents(aliceFeed.events)).toEqual(['from A', 'from B']);
    await dispose();
  });

  it('delivers messages sent at once on both instances to both, each once and in seq order', async () => {
    const { groupId, aliceFeed, bobFeed, dispose } = await groupFollowedOnBoth();
    // Each instance hands its own messages to its own subscribers as it commits them, and the
    // other's as Redis sends them: the two must still make one order.
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? send(a, alice, groupId, `a${i}`) : send(b, bob, groupId, `b${i}`))),
    );
    const inSeqOrder = sent.map((message) => ({ id: message.id, seq: decodeCursor(message.cursor).seq })).sort((x, y) => x.seq - y.seq);
    expect(new Set(inSeqOrder.map((message) => message.seq)).size).toBe(40);
    await aliceFeed.waitFor(40);
    await bobFeed.waitFor(40);
    await sleep(100);
    const ids = (events: Array<{ data?: Record<string, any> | null }>) => events.map((event) => event.data?.newMessage.id);
    expect(ids(aliceFeed.events)).toEqual(inSeqOrder.map((message) => message.id));
    expect(ids(bobFeed.events)).toEqual(inSeqOrder.map((message) => message.id));
    await dispose();
  });

  it('holds one Redis SUBSCRIBE per channel per instance, however many subscribers', async () => {
    const groupId = await createGroup(a, alice);
    await join(a, bob, groupId);
    const channel = `${cluster.prefix}:group:${groupId}`;
    const sockets = [connect(b, bearer(alice)), connect(b, bearer(bob)), connect(b, bearer(bob))];
    const feeds = sockets.flatMap((socket) => [socket.subscribe(NEW_MESSAGE, { groupId }), socket.subscribe(NEW_MESSAGE, { groupId })]);
    await eventually(async () => expect((await fetch(b.url.replace('/graphql', '/stats')).then((r) => r.json())).subscriptions).toBe(6));
    expect(await subscribers(channel)).toBe(1);
    const onA = connect(a, bearer(alice));
    onA.subscribe(NEW_MESSAGE, { groupId });
    await eventually(async () => expect(await subscribers(channel)).toBe(2));

    await send(a, alice, groupId, 'to all six');
    for (const feed of feeds) expect(contents(await feed.waitFor(1))).toEqual(['to all six']);
    await onA.dispose();
    await eventually(async () => expect(await subscribers(channel)).toBe(1));
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await eventually(async () => expect(await subscribers(channel)).toBe(0));
  });

  it('ends subscriptions on one instance when the member leaves on another, and follows a join made elsewhere', async () => {
    const left = await createGroup(a, alice);
    const joinedLater = await createGroup(a, alice);
    await join(a, bob, left);
    const bobOnB = connect(b, bearer(bob));
    const groupFeed = bobOnB.subscribe(NEW_MESSAGE, { groupId: left });
    const allFeed = bobOnB.subscribe(NEW_MESSAGE, {});
    await eventually(async () => expect(await subscribers(`${cluster.prefix}:group:${left}`)).toBe(1));
    await send(a, alice, left, 'before leaving');
    await groupFeed.waitFor(1);
    await allFeed.waitFor(1);

    await leave(a, bob, left);
    await groupFeed.done;
    // Bob's subscriptions on B held his membership there; the leave made on A released them.
    const refused = await http(b, SEND, { input: { groupId: left, content: 'no longer a member' } }, bob);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await join(a, bob, joinedLater);
    await eventually(async () => expect(await subscribers(`${cluster.prefix}:group:${joinedLater}`)).toBe(1));
    await send(a, alice, left, 'after leaving');
    await send(b, alice, joinedLater, 'in the joined group');
    await allFeed.waitFor(2);
    await sleep(100);
    expect(contents(groupFeed.events)).toEqual(['before leaving']);
    expect(contents(allFeed.events)).toEqual(['before leaving', 'in the joined group']);
    await bobOnB.dispose();
  });

  it('tells group members on every instance who comes online and goes offline', async () => {
    const groupId = await createGroup(a, alice);
    await join(a, carol, groupId);
    const aliceOnA = connect(a, bearer(alice));
    const presence = aliceOnA.subscribe(PRESENCE, { g: groupId });
    await eventually(async () => expect(await subscribers(`${cluster.prefix}:group-presence:${groupId}`)).toBe(1));

    // Alice's own socket may be announced too: only Carol's changes matter here.
    const carolsChanges = () => presence.events.map((event) => event.data?.presenceChanged).filter((user) => user?.id === 'carol');
    const carolOnB = connect(b, bearer(carol));
    await carolOnB.subscribe('subscription { notification { id } }');
    await eventually(() => expect(carolsChanges()).toHaveLength(1));
    const ONLINE = 'query($g: ID!) { onlineMembers(groupId: $g) { id online } }';
    await eventually(async () => expect((await ok(a, ONLINE, { g: groupId }, alice)).onlineMembers).toContainEqual({ id: 'carol', online: true }));
    await carolOnB.dispose();
    await eventually(() => expect(carolsChanges()).toHaveLength(2));
    expect(carolsChanges()).toMatchObject([
      { id: 'carol', name: 'Carol', online: true },
      { id: 'carol', name: 'Carol', online: false },
    ]);
    expect(new Date(carolsChanges()[1]!.lastSeenAt).getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect((await ok(a, ONLINE, { g: groupId }, alice)).onlineMembers).not.toContainEqual({ id: 'carol', online: true });

    const outsider = connect(b, bearer(bob));
    const refused = outsider.subscribe(PRESENCE, { g: groupId });
    await refused.waitFor(1);
    expect(refused.events[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await Promise.all([aliceOnA.dispose(), outsider.dispose()]);
  });

  it('resumes on one instance from a cursor issued by another', async () => {
    const groupId = await createGroup(a, alice);
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(i % 2 ? a : b, alice, groupId, `m${i}`));
    const socket = connect(b, bearer(alice));
    const feed = socket.subscribe(NEW_MESSAGE, { groupId, after: sent[1].cursor });
    await feed.waitFor(3);
    await send(a, alice, groupId, 'm6');
    await feed.waitFor(4);
    expect(contents(feed.events)).toEqual(['m3', 'm4', 'm5', 'm6']);
    await socket.dispose();
  });

  it('reports Redis in /ready', async () => {
    const response = await fetch(b.url.replace('/graphql', '/ready'));
    expect(await response.json()).toMatchObject({ status: 'ready', checks: { chat: true, redis: true } });
  });
});

describe('resuming from before the kept history', () => {
  it('falls back to the Chat service for what the log trimmed', async () => {
    const small = await startCluster({ instances: 2, env: { MESSAGE_LOG_MAX_PER_GROUP: '3' } });
    try {
      const [x, y] = small.gateways as [TestGateway, TestGateway];
      const groupId = await createGroup(x, alice);
      const sent = [];
      for (let i = 1; i <= 10; i++) sent.push(await send(i % 2 ? x : y, alice, groupId, `m${i}`));
      // The persistence workers store what the log no longer keeps.
      await eventually(async () => expect((await x.services.chat.listMessages({ groupId, limit: 50 })).messages).toHaveLength(10));
      const socket = connect(y, bearer(alice));
      const feed = socket.subscribe(NEW_MESSAGE, { groupId, after: sent[0].cursor });
      await feed.waitFor(9);
      await send(x, alice, groupId, 'm11');
      await feed.waitFor(10);
      expect(contents(feed.events)).toEqual(sent.slice(1).map((m) => m.content).concat('m11'));
      await socket.dispose();
    } finally {
      await small.stop();
    }
  });

  it('ends the subscription with RESYNC_REQUIRED when neither the log nor the Chat service has the messages', async () => {
    const unstored = await startCluster({ instances: 1, env: { MESSAGE_LOG_MAX_PER_GROUP: '3', PERSISTENCE_WORKER: 'false' } });
    try {
      const [x] = unstored.gateways as [TestGateway];
      const groupId = await createGroup(x, alice);
      const sent = [];
      for (let i = 1; i <= 6; i++) sent.push(await send(x, alice, groupId, `m${i}`));
      const socket = connect(x, bearer(alice));
      const feed = socket.subscribe(NEW_MESSAGE, { groupId, after: sent[0].cursor });
      await feed.waitFor(1);
      expect(feed.events[0]?.errors?.[0]?.extensions?.code).toBe('RESYNC_REQUIRED');
      // A cursor the log still covers resumes as usual.
      const recent = socket.subscribe(NEW_MESSAGE, { groupId, after: sent[3].cursor });
      await recent.waitFor(2);
      expect(contents(recent.events)).toEqual(['m5', 'm6']);
      const all = socket.subscribe(NEW_MESSAGE, { after: sent[0].cursor });
      await all.waitFor(1);
      expect(all.events[0]?.errors?.[0]?.extensions?.code).toBe('RESYNC_REQUIRED');
      await socket.dispose();
    } finally {
      await unstored.stop();
    }
  });
});

describe('resuming every group across instances', () => {
  it('replays the cursor’s group by position and the others from its time, same millisecond included', async () => {
    const g1 = await createGroup(a, alice);
    const g2 = await createGroup(a, alice);
    const first = await send(a, alice, g1, 'g1 seen');
    // Sent within the cursor's millisecond or after it: never lost.
    await send(b, alice, g2, 'g2 missed');
    await send(a, alice, g1, 'g1 missed');
    const socket = connect(b, bearer(alice));
    const feed = socket.subscribe(NEW_MESSAGE, { after: first.cursor });
    await feed.waitFor(2);
    await send(a, alice, g2, 'g2 live');
    await feed.waitFor(3);
    await sleep(100);
    expect(contents(feed.events)).toEqual(['g2 missed', 'g1 missed', 'g2 live']);
    const stranger = connect(b, bearer(bob));
    const refused = stranger.subscribe(NEW_MESSAGE, { after: first.cursor });
    await sleep(200);
    // A cursor of a group the viewer is not in replays nothing of it.
    expect(refused.events).toEqual([]);
    await Promise.all([socket.dispose(), stranger.dispose()]);
    expect((await http(a, SEND, { input: { groupId: g1, content: 'x' } }, bob)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
