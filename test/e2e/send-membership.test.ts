import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, eventually, http, ok, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let owner: string;
let member: string;
let checks: string[];

const SEND = 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }';

beforeAll(async () => {
  // A 1 ms cache: whatever spares the Chat service a membership check here is the subscription.
  gateway = await startGateway({ MEMBERSHIP_CACHE_MS: '1' });
  [owner, member] = await Promise.all([tokenFor('owner'), tokenFor('member')]);
  const chat = gateway.services.chat;
  const checkMembership = chat.checkMembership.bind(chat);
  chat.checkMembership = (request, ...rest) => {
    checks.push(`${request.userId}@${request.groupId}`);
    return checkMembership(request, ...rest);
  };
});
afterAll(() => gateway.stop());

async function groupWithMember(): Promise<string> {
  const { createGroup } = await ok(gateway, 'mutation { createGroup(name: "Held") { id } }', {}, owner);
  await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: createGroup.id }, member);
  return createGroup.id as string;
}

/** Sends until the feed receives: from then on the subscription is live. */
async function untilLive(groupId: string, feed: { events: unknown[] }) {
  await eventually(async () => {
    await ok(gateway, SEND, { g: groupId, c: 'warming up' }, member);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(feed.events.length).toBeGreaterThan(0);
  });
}

async function sendThree(groupId: string) {
  for (const content of ['one', 'two', 'three']) await ok(gateway, SEND, { g: groupId, c: content }, member);
}

describe('membership on the send path', () => {
  it('is asked of the Chat service on every send of a member with no subscription to the group', async () => {
    const groupId = await groupWithMember();
    checks = [];
    await sendThree(groupId);
    expect(checks).toEqual(Array(3).fill(`member@${groupId}`));
  });

  it('is not asked while the member is subscribed to the group, and is asked again once they leave', async () => {
    const groupId = await groupWithMember();
    const socket = connect(gateway, bearer(member));
    const feed = socket.subscribe<{ newMessage: { content: string } }>('subscription($g: ID!) { newMessage(groupId: $g) { content } }', { g: groupId });
    await untilLive(groupId, feed);
    checks = [];
    const before = feed.events.length;
    await sendThree(groupId);
    await feed.waitFor(before + 3);
    expect(checks).toEqual([]);

    await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, member);
    await feed.done;
    const refused = await http(gateway, SEND, { g: groupId, c: 'after leaving' }, member);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(checks).toEqual([`member@${groupId}`]);
    await socket.dispose();
  });

  it('is held by a subscription to all of the viewer’s groups as well', async () => {
    const groupId = await groupWithMember();
    const socket = connect(gateway, bearer(member));
    const feed = socket.subscribe('subscription { newMessage { content } }');
    await untilLive(groupId, feed);
    checks = [];
    await sendThree(groupId);
    expect(checks).toEqual([]);
    await socket.dispose();
  });
});
