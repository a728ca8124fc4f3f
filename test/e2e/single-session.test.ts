import { afterEach, describe, expect, it } from 'vitest';
import { SocketCloseCode } from '../../src/realtime/close-codes.js';
import { bearer, connect, sleep, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

async function openTwoSessions() {
  const token = await tokenFor('alice', 'Alice');
  const first = connect(gateway!, bearer(token));
  const firstFeed = first.subscribe('subscription { notification { id } }');
  await sleep(100);
  const second = connect(gateway!, bearer(token));
  const secondFeed = second.subscribe('subscription { notification { id } }');
  return { first, firstFeed, second, secondFeed };
}

describe('sessions', () => {
  it('allows several devices of one user by default', async () => {
    gateway = await startGateway();
    const { first, second } = await openTwoSessions();
    const outcome = await Promise.race([first.closed, sleep(300).then(() => 'open')]);
    expect(outcome).toBe('open');
    await Promise.all([first.dispose(), second.dispose()]);
  });

  it('with SINGLE_SESSION=true, a new login closes the earlier socket with SessionReplaced', async () => {
    gateway = await startGateway({ SINGLE_SESSION: 'true' });
    const { first, second } = await openTwoSessions();
    expect(await first.closed).toBe(SocketCloseCode.SessionReplaced);
    const outcome = await Promise.race([second.closed, sleep(300).then(() => 'open')]);
    expect(outcome).toBe('open');
    await second.dispose();
  });

  it('closes sockets with 1001 on shutdown, and /stats counts them', async () => {
    gateway = await startGateway();
    const { first, second } = await openTwoSessions();
    await sleep(100);
    const stats = await fetch(gateway.url.replace('/graphql', '/stats')).then((response) => response.json());
    expect(stats).toMatchObject({ onlineUsers: 1, sockets: 2, subscriptions: 2 });
    await gateway.stop();
    gateway = undefined;
    expect(await first.closed).toBe(1001);
    expect(await second.closed).toBe(1001);
  });
});
