import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createChatClient, type MessageFieldsFragment } from '../../client/index.js';
import { startCluster, type TestCluster } from '../redis/cluster.js';
import { freePort } from '../support/ports.js';
import { eventually, ok, sleep, tokenFor, type TestGateway } from '../support/gateway.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ instances: 1, env: { SEND_RATE_PER_SECOND: '1000', SEND_BURST: '1000' } });
});
afterAll(() => cluster?.stop());

describe('a subscriber whose instance restarts under steady traffic', () => {
  it('sees every message once, in order, through the typed client', async () => {
    const [sendingInstance] = cluster.gateways as [TestGateway];
    const port = await freePort();
    let subscriberInstance = await cluster.add({ PORT: String(port) });
    const alice = await tokenFor('alice', 'Alice');
    const bob = await tokenFor('bob', 'Bob');
    const groupId = (await ok(sendingInstance, 'mutation { createGroup(name: "steady") { id } }', {}, alice)).createGroup.id;
    await ok(sendingInstance, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, bob);

    const client = createChatClient({ url: subscriberInstance.url, token: bob, webSocketImpl: WebSocket, retryDelayMs: 100, maxRetryDelayMs: 300 });
    const received: MessageFieldsFragment[] = [];
    const failures: unknown[] = [];
    let connections = 0;
    client.on('connected', () => connections++);
    client.onNewMessage(groupId, (message) => received.push(message), { error: (error) => failures.push(error) });
    await eventually(() => expect(connections).toBe(1));

    const sent: string[] = [];
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending; i++) {
        const data = await ok(sendingInstance, 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { content } } }', {
          input: { groupId, content: `m${i}` },
        }, alice);
        sent.push(data.sendMessage.message.content);
        await sleep(15);
      }
    })();
    traffic.catch(() => {});

    await eventually(() => expect(received.length).toBeGreaterThan(10));
    // The instance goes away for a while; messages keep being sent on the other one.
    await subscriberInstance.stop();
    cluster.gateways.splice(cluster.gateways.indexOf(subscriberInstance), 1);
    const cutAt = sent.length;
    await sleep(1500);
    subscriberInstance = await cluster.add({ PORT: String(port) });
    await eventually(() => expect(connections).toBe(2), 10_000);
    await sleep(500);
    sending = false;
    await traffic;

    await eventually(() => expect(received.length).toBe(sent.length), 10_000);
    expect(sent.length - cutAt).toBeGreaterThan(10);
    expect(received.map((message) => message.content)).toEqual(sent);
    expect(failures).toEqual([]);
    await client.dispose();
  });
});
