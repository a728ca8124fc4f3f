import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../redis/cluster.js';
import { spawnGateway, type Child } from '../support/processes.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { bearer, connect, eventually, http, ok, sleep, tokenFor, type TestGateway } from '../support/gateway.js';

const SEND = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { content } } }';
const NEW_MESSAGE = 'subscription($groupId: ID) { newMessage(groupId: $groupId) { content } }';
const FAST = { SEND_RATE_PER_SECOND: '1000', SEND_BURST: '1000' };

let alice: string;
let bob: string;
beforeAll(async () => {
  [alice, bob] = await Promise.all([tokenFor('alice', 'Alice'), tokenFor('bob', 'Bob')]);
});

describe('Redis restarting under traffic', () => {
  let redis: RedisServer;
  let cluster: TestCluster;
  beforeAll(async () => {
    redis = await startRedisServer();
    cluster = await startCluster({ instances: 2, redisUrl: redis.url, env: FAST });
  });
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  it('refuses sends at once while it is down, and delivers across instances again once it is back', async () => {
    const [a, b] = cluster.gateways as [TestGateway, TestGateway];
    const groupId = (await ok(a, 'mutation { createGroup(name: "restart") { id } }', {}, alice)).createGroup.id;
    await ok(a, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, bob);
    const socket = connect(b, bearer(bob));
    const feed = socket.subscribe<{ newMessage: { content: string } }>(NEW_MESSAGE, { groupId });
    await sleep(200);

    const outcomes: Array<{ content: string; code?: string; ms: number }> = [];
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending; i++) {
        const started = Date.now();
        const response = await http(a, SEND, { input: { groupId, content: `m${i}` } }, alice);
        outcomes.push({ content: `m${i}`, code: response.errors?.[0]?.extensions?.code, ms: Date.now() - started });
        await sleep(20);
      }
    })();
    await eventually(() => expect(feed.events.length).toBeGreaterThan(5));

    await redis.kill();
    await eventually(() => expect(outcomes.some((outcome) => outcome.code === 'UNAVAILABLE')).toBe(true));
    await sleep(500);
    await redis.start();
    const restartedAt = outcomes.length;
    await eventually(() => expect(outcomes.slice(restartedAt).filter((outcome) => !outcome.code).length).toBeGreaterThan(20), 15_000);
    sending = false;
    await traffic;

    const failed = outcomes.filter((outcome) => outcome.code);
    expect(failed.every((outcome) => outcome.code === 'UNAVAILABLE')).toBe(true);
    // No ack without durability, and no request left hanging while Redis is away.
    expect(Math.max(...failed.map((outcome) => outcome.ms))).toBeLessThan(1500);
    const acked = outcomes.filter((outcome) => !outcome.code).map((outcome) => outcome.content);
    const afterRestart = outcomes.slice(restartedAt).filter((outcome) => !outcome.code).map((outcome) => outcome.content);
    await eventually(() => expect(feed.events.map((event) => event.data?.newMessage.content)).toEqual(expect.arrayContaining(afterRestart)), 5000);
    const delivered = feed.events.map((event) => event.data?.newMessage.content);
    // Delivery is at most once and in order: only acked messages, none twice.
    expect(delivered.every((content) => acked.includes(content!))).toBe(true);
    const positions = delivered.map((content) => acked.indexOf(content!));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(new Set(delivered).size).toBe(delivered.length);
    expect((await fetch(b.url.replace('/graphql', '/ready')).then((r) => r.json())).checks.redis).toBe(true);
    await socket.dispose();
  });
});

describe('an instance that crashes', () => {
  let cluster: TestCluster;
  let child: Child | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 1, env: { PRESENCE_TTL_MS: '900' } });
  });
  afterAll(async () => {
    await child?.kill('SIGKILL');
    await cluster?.stop();
  });

  it('has its users go offline everywhere within the presence TTL', async () => {
    const [survivor] = cluster.gateways as [TestGateway];
    const spawned = await spawnGateway({ ...cluster.env, LOG_LEVEL: 'silent', PERSISTENCE_WORKER: 'false' });
    child = spawned.child;
    const doomed = { url: `${spawned.url}/graphql`, wsUrl: `${spawned.url.replace('http', 'ws')}/graphql` } as TestGateway;

    const groupId = (await ok(survivor, 'mutation { createGroup(name: "crash") { id } }', {}, alice)).createGroup.id;
    await ok(survivor, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, bob);
    const watcher = connect(survivor, bearer(alice));
    const changes = watcher.subscribe('subscription($g: ID!) { presenceChanged(groupId: $g) { id online lastSeenAt } }', { g: groupId });
    const bobOnDoomed = connect(doomed, bearer(bob));
    bobOnDoomed.subscribe('subscription { notification { id } }');
    const ONLINE = 'query($g: ID!) { onlineMembers(groupId: $g) { id } }';
    await eventually(async () => expect((await ok(survivor, ONLINE, { g: groupId }, alice)).onlineMembers).toContainEqual({ id: 'bob' }));
    // Heartbeats keep Bob online well past the TTL.
    await sleep(1500);
    expect((await ok(survivor, ONLINE, { g: groupId }, alice)).onlineMembers).toContainEqual({ id: 'bob' });

    await spawned.child.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(async () => expect((await ok(survivor, ONLINE, { g: groupId }, alice)).onlineMembers).not.toContainEqual({ id: 'bob' }), 5000);
    // TTL, plus up to one sweep interval (a third of it), plus margin.
    expect(Date.now() - killedAt).toBeLessThan(900 + 300 + 700);
    const bobsLast = () => changes.events.map((event) => event.data?.presenceChanged).filter((user) => user?.id === 'bob').at(-1);
    await eventually(() => expect(bobsLast()).toMatchObject({ online: false }));
    // Last seen at his last heartbeat, before the crash.
    expect(new Date(bobsLast().lastSeenAt).getTime()).toBeLessThanOrEqual(killedAt);
    expect(new Date(bobsLast().lastSeenAt).getTime()).toBeGreaterThan(killedAt - 900);
    await Promise.all([watcher.dispose(), bobOnDoomed.dispose()]);
  });
});
