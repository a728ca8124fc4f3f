import { afterAll, describe, expect, it } from 'vitest';
import { bearer, connect, http, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { killChildProcesses, spawnGateway, spawnScript } from '../support/processes.js';
import { tokenFor } from '../support/gateway.js';

afterAll(killChildProcesses);

/** One GraphQL request over HTTP to a gateway process at `url`. */
const graphql = (url: string, query: string, variables: Record<string, unknown>, token: string) => http({ url: `${url}/graphql` }, query, variables, token);

describe('the processes an operator runs', () => {
  it('runs the Chat service alone (npm run chat-service, in production: it needs no JWT secret) and a gateway against it with CHAT_GRPC_URL', async () => {
    const port = await freePort();
    const chat = spawnScript('src/chat-service/main.ts', { NODE_ENV: 'production', CHAT_GRPC_PORT: String(port), CHAT_GRPC_HOST: '127.0.0.1' });
    const gateway = await spawnGateway({ CHAT_GRPC_URL: `127.0.0.1:${port}` });
    const alice = await tokenFor('alice', 'Alice');

    const created = await graphql(gateway.url, 'mutation { createGroup(name: "Across processes") { id } }', {}, alice);
    const groupId = created.data?.createGroup.id;
    expect(groupId).toBeTypeOf('string');
    await graphql(gateway.url, 'mutation($g: ID!) { sendMessage(input: { groupId: $g, content: "stored elsewhere" }) { message { id } } }', { g: groupId }, alice);
    // A second gateway on the same Chat service sees the group and its stored history.
    const other = await spawnGateway({ CHAT_GRPC_URL: `127.0.0.1:${port}` });
    const history = await graphql(other.url, 'query($g: ID!) { myGroups { id } messages(groupId: $g) { content sender { name } } }', { g: groupId }, alice);
    expect(history.data).toEqual({ myGroups: [{ id: groupId }], messages: [{ content: 'stored elsewhere', sender: { name: 'Alice' } }] });

    await chat.kill('SIGTERM');
    expect(await chat.exited).toBe(0);
    const ready = await fetch(`${other.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { chat: false } });
  });

  it('shuts the gateway down gracefully on SIGTERM: sockets closed with 1001, exit code 0', async () => {
    const gateway = await spawnGateway({});
    const socket = connect({ wsUrl: `${gateway.url.replace('http', 'ws')}/graphql` } as TestGateway, bearer(await tokenFor('alice')));
    const subscription = socket.subscribe('subscription { notification { id } }');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await gateway.child.kill('SIGTERM');
    expect(await gateway.child.exited).toBe(0);
    expect(await socket.closed).toBe(1001);
    expect(subscription.events).toEqual([]);
    expect(gateway.child.output()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
