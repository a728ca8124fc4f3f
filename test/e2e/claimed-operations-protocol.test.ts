import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearer, eventually, ok, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let groupId: string;
let owner: string;
let member: string;
const opened: WebSocket[] = [];

beforeAll(async () => {
  gateway = await startGateway();
  [owner, member] = await Promise.all([tokenFor('owner'), tokenFor('member')]);
  ({ createGroup: { id: groupId } } = await ok(gateway, 'mutation { createGroup(name: "Protocol") { id } }', {}, owner));
  await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, member);
});
afterAll(async () => {
  for (const ws of opened) ws.terminate();
  await gateway.stop();
});

const NEW_MESSAGE = 'subscription($g: ID!) { newMessage(groupId: $g) { content } }';
const SEND = 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }';

/** A raw graphql-transport-ws socket, acknowledged, recording every frame and how it closed. */
async function rawSocket(token: string) {
  const ws = new WebSocket(gateway.wsUrl, 'graphql-transport-ws');
  opened.push(ws);
  const frames: Array<Record<string, any>> = [];
  const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, String(reason)])));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: bearer(token) })));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'connection_ack') resolve();
      else frames.push(frame);
    });
  });
  const subscribe = (id: string, query: string, variables: Record<string, unknown> = { g: groupId }) =>
    ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  return { ws, frames, closed, subscribe, ofId: (id: string) => frames.filter((frame) => frame.id === id) };
}

const subscriptionCount = async () => (await (await fetch(gateway.url.replace('/graphql', '/stats'))).json()).subscriptions as number;

describe('the graphql-transport-ws protocol for shared subscriptions, queries and mutations', () => {
  it('delivers under the chosen id, stops at the client complete, and frees the subscription', async () => {
    const socket = await rawSocket(member);
    const before = await subscriptionCount();
    socket.subscribe('live', NEW_MESSAGE);
    await eventually(async () => expect(await subscriptionCount()).toBe(before + 1));
    await ok(gateway, SEND, { g: groupId, c: 'first' }, owner);
    await eventually(() => expect(socket.ofId('live')).toEqual([{ id: 'live', type: 'next', payload: { data: { newMessage: { content: 'first' } } } }]));
    socket.ws.send(JSON.stringify({ id: 'live', type: 'complete' }));
    await eventually(async () => expect(await subscriptionCount()).toBe(before));
    await ok(gateway, SEND, { g: groupId, c: 'second' }, owner);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Nothing after the client's own complete, not even a complete.
    expect(socket.ofId('live')).toHaveLength(1);
    socket.ws.close();
  });

  it('closes with 4409 when a subscribe reuses the id of a running subscription', async () => {
    const socket = await rawSocket(member);
    socket.subscribe('twice', NEW_MESSAGE);
    socket.subscribe('twice', NEW_MESSAGE);
    expect(await socket.closed).toEqual([4409, 'Subscriber for twice already exists']);
  });

  it('answers validation errors with an error message, and a non-member with next and complete', async () => {
    const socket = await rawSocket(owner);
    socket.subscribe('invalid', 'subscription($g: ID!) { newMessage(groupId: $g) { nope } }');
    const outsider = await rawSocket(await tokenFor('outsider'));
    outsider.subscribe('refused', NEW_MESSAGE);
    await eventually(() => expect(socket.ofId('invalid')).toHaveLength(1));
    expect(socket.ofId('invalid')[0]).toMatchObject({ type: 'error', payload: [{ message: expect.stringContaining('nope'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    await eventually(() => expect(outsider.ofId('refused')).toHaveLength(2));
    expect(outsider.ofId('refused')).toEqual([
      { id: 'refused', type: 'next', payload: { errors: [expect.objectContaining({ message: 'You are not a member of this group.', extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })] } },
      { id: 'refused', type: 'complete' },
    ]);
    socket.ws.close();
    outsider.ws.close();
  });

  it('answers a mutation with next then complete, and a query the same way', async () => {
    const socket = await rawSocket(owner);
    socket.subscribe('send', SEND, { g: groupId, c: 'over the socket' });
    socket.subscribe('me', 'query { me { id } }', {});
    await eventually(() => expect(socket.ofId('send')).toHaveLength(2));
    expect(socket.ofId('send')).toEqual([
      { id: 'send', type: 'next', payload: { data: { sendMessage: { message: { id: expect.any(String) } } } } },
      { id: 'send', type: 'complete' },
    ]);
    await eventually(() => expect(socket.ofId('me')).toHaveLength(2));
    expect(socket.ofId('me')).toEqual([
      { id: 'me', type: 'next', payload: { data: { me: { id: expect.any(String) } } } },
      { id: 'me', type: 'complete' },
    ]);
    socket.ws.close();
  });

  it('closes with 4409 when a subscribe reuses the id of a mutation still running', async () => {
    const socket = await rawSocket(owner);
    socket.subscribe('again', SEND, { g: groupId, c: 'once' });
    socket.subscribe('again', SEND, { g: groupId, c: 'twice' });
    expect(await socket.closed).toEqual([4409, 'Subscriber for again already exists']);
  });

  it('sends nothing for a mutation the client completed before its answer, which still takes effect', async () => {
    const watcher = await rawSocket(member);
    const before = await subscriptionCount();
    watcher.subscribe('watch', NEW_MESSAGE);
    await eventually(async () => expect(await subscriptionCount()).toBe(before + 1));
    const socket = await rawSocket(owner);
    socket.subscribe('dropped', SEND, { g: groupId, c: 'answer not wanted' });
    socket.ws.send(JSON.stringify({ id: 'dropped', type: 'complete' }));
    await eventually(() => expect(watcher.ofId('watch')).toEqual([{ id: 'watch', type: 'next', payload: { data: { newMessage: { content: 'answer not wanted' } } } }]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.ofId('dropped')).toEqual([]);
    socket.ws.close();
    watcher.ws.close();
  });

  it('completes the subscription from the server when the member leaves the group', async () => {
    const leaver = await tokenFor('leaver');
    await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, leaver);
    const socket = await rawSocket(leaver);
    const before = await subscriptionCount();
    socket.subscribe('until-leave', NEW_MESSAGE);
    await eventually(async () => expect(await subscriptionCount()).toBe(before + 1));
    await ok(gateway, 'mutation($g: ID!) { leaveGroup(groupId: $g) }', { g: groupId }, leaver);
    await eventually(() => expect(socket.ofId('until-leave')).toEqual([{ id: 'until-leave', type: 'complete' }]));
    await eventually(async () => expect(await subscriptionCount()).toBe(before));
    socket.ws.close();
  });
});
