import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createChatClient } from '../../client/index.js';
import { startGateway, tokenFor } from '../support/gateway.js';
import { cleanup, createSender, durabilityEnv, graphql, sleep, spawnRedis, startChatService, type TestChatService } from './durability-harness.js';

afterAll(cleanup);

/** The group's stored messages once one with `content` is among them, or after 15 s. */
async function storedOnceArrived(chat: TestChatService, groupId: string, content: string) {
  const deadline = Date.now() + 15_000;
  let stored = await chat.stored(groupId);
  while (!stored.some((row) => row.content === content) && Date.now() < deadline) {
    await sleep(200);
    stored = await chat.stored(groupId);
  }
  return stored;
}

const SEND = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }';

it('answers a send Redis stopped answering with UNCONFIRMED; the message arrives, and sending it again does not repeat it', async () => {
  const redis = await spawnRedis();
  const chat = await startChatService();
  const gateway = await startGateway(durabilityEnv(chat, redis.url).env);
  try {
    const sender = await createSender(() => gateway.url);
    for (let i = 0; i < 3; i++) expect((await sender.send()).id).toBeDefined();

    // A stalled Redis: the connection stays open, the script waits in its socket.
    redis.pause();
    const input = { groupId: sender.groupId, content: 'stalled', clientMessageId: 'c-stalled' };
    const answer = await graphql(gateway.url, SEND, { input }, await tokenFor('alice', 'alice'));
    redis.resume();
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UNAVAILABLE', reason: 'UNCONFIRMED' });
    expect(answer.errors?.[0]?.message).toMatch(/may have been sent\. Send it again with the same clientMessageId/);

    // It was sent: once Redis goes on, the message is stored like any other.
    const stored = await storedOnceArrived(chat, sender.groupId, 'stalled');
    expect(stored.map((row) => row.content)).toEqual(['message 1', 'message 2', 'message 3', 'stalled']);

    // Sending it again as the error says answers the stored message, and stores nothing more.
    const again = await graphql(gateway.url, SEND, { input }, await tokenFor('alice', 'alice'));
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual({ sendMessage: { message: { id: stored[3]!.id } } });
    await sleep(500);
    expect((await chat.stored(sender.groupId)).map((row) => row.content)).toEqual(['message 1', 'message 2', 'message 3', 'stalled']);
  } finally {
    await gateway.stop();
  }
}, 40_000);

it('has the typed client send again after UNCONFIRMED: the answer is the message, stored once', async () => {
  const redis = await spawnRedis();
  const chat = await startChatService();
  const gateway = await startGateway(durabilityEnv(chat, redis.url).env);
  const client = createChatClient({
    url: gateway.url,
    token: await tokenFor('alice', 'alice'),
    webSocketImpl: WebSocket,
    retryDelayMs: 100,
    maxRetryDelayMs: 100,
  });
  try {
    const sender = await createSender(() => gateway.url);
    await client.sendMessage({ groupId: sender.groupId, content: 'before' });

    redis.pause();
    const started = Date.now();
    const sending = client.sendMessage({ groupId: sender.groupId, content: 'resent' });
    // The first attempt is answered UNCONFIRMED after 2 s; the client's next one waits in Redis's
    // socket behind it until Redis goes on, and finds it sent.
    await sleep(2_600);
    redis.resume();
    const { message } = await sending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(message.content).toBe('resent');

    let stored = await storedOnceArrived(chat, sender.groupId, 'resent');
    await sleep(500);
    stored = await chat.stored(sender.groupId);
    expect(stored.map((row) => row.content)).toEqual(['before', 'resent']);
    expect(stored[1]!.id).toBe(message.id);
  } finally {
    await client.dispose();
    await gateway.stop();
  }
}, 40_000);
