import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  bearer,
  connect,
  craftToken,
  http,
  startGateway,
  tokenFor,
  unsignedToken,
  type TestGateway,
} from '../support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.stop());

const ME = 'query { me { id name } }';
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

const refusedTokens: Array<[string, () => Promise<string> | string]> = [
  ['a bad signature', () => craftToken({ sub: 'mallory' }, { secret: 'another-secret-another-secret-0123456789', exp: inAnHour() })],
  ['an expired token', () => craftToken({ sub: 'mallory' }, { exp: Math.floor(Date.now() / 1000) - 60 })],
  ['alg none', () => unsignedToken({ sub: 'mallory', exp: inAnHour() })],
  ['an algorithm outside the allow-list', () => craftToken({ sub: 'mallory' }, { alg: 'HS512', exp: inAnHour() })],
  ['no exp', () => craftToken({ sub: 'mallory' })],
  ['garbage', () => 'not-a-jwt'],
];

describe('over HTTP', () => {
  it('accepts a valid bearer token', async () => {
    const response = await http(gateway, ME, {}, await tokenFor('alice', 'Alice'));
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ me: { id: 'alice', name: 'Alice' } });
  });

  it('answers UNAUTHENTICATED without a token', async () => {
    const response = await http(gateway, ME);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each(refusedTokens)('refuses %s with 401 UNAUTHENTICATED', async (_case, token) => {
    const response = await http(gateway, ME, {}, await token());
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.data ?? null).toBeNull();
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      body: JSON.stringify({ query: ME }),
    });
    expect(response.status).toBe(401);
  });
});

describe('over WebSocket', () => {
  it('accepts a valid token in connection_init and runs operations', async () => {
    const socket = connect(gateway, bearer(await tokenFor('alice', 'Alice')));
    const me = socket.subscribe(ME);
    await me.waitFor(1);
    expect(me.events[0]?.data).toEqual({ me: { id: 'alice', name: 'Alice' } });
    await socket.dispose();
  });

  it.each([
    ...refusedTokens,
    ['a missing token', () => ''] as [string, () => string],
  ])('closes the socket with 4403 for %s before any subscription starts', async (_case, token) => {
    const value = await token();
    const socket = connect(gateway, value ? bearer(value) : {});
    const subscription = socket.subscribe('subscription { notification { id } }');
    expect(await socket.closed).toBe(4403);
    await expect(subscription.done).rejects.toBeDefined();
    expect(subscription.events).toEqual([]);
    await socket.dispose();
  });

  it('closes the socket with 4403 when the token expires', async () => {
    const socket = connect(gateway, bearer(await tokenFor('alice', 'Alice', [], 2)));
    const subscription = socket.subscribe('subscription { notification { id } }');
    await expect(Promise.race([socket.closed, new Promise((r) => setTimeout(() => r('open'), 500))])).resolves.toBe('open');
    expect(await socket.closed).toBe(4403);
    await expect(subscription.done).rejects.toBeDefined();
    await socket.dispose();
  });
});

describe('the wait for connection_init', () => {
  let quick: TestGateway;
  beforeAll(async () => {
    quick = await startGateway({ WS_CONNECTION_INIT_TIMEOUT_MS: '300' });
  });
  afterAll(() => quick.stop());

  const open = async () => {
    const socket = new WebSocket(quick.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, String(reason)])));
    return { socket, closed };
  };

  it('closes a socket that sends no connection_init with 4408', async () => {
    const started = Date.now();
    const { closed } = await open();
    expect(await closed).toEqual([4408, 'Connection initialisation timeout']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('leaves a socket that initialised open past the wait', async () => {
    const { socket, closed } = await open();
    const acked = new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)).type)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(await tokenFor('alice', 'Alice')) }));
    expect(await acked).toBe('connection_ack');
    await expect(Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve('open'), 600))])).resolves.toBe('open');
    socket.close();
  });
});
