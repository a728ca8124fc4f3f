import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ WS_KEEPALIVE_MS: '200' });
});
afterAll(() => gateway.stop());

/** A raw graphql-ws socket, acknowledged, that answers pings only if told to. */
async function openSocket(answerPings: boolean) {
  const socket = new WebSocket(gateway.wsUrl, 'graphql-transport-ws', { autoPong: answerPings });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await tokenFor('alice', 'Alice')}` } }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  return { socket, closed };
}

describe('keep-alive', () => {
  it('drops a socket that stops answering pings, and keeps one that answers', async () => {
    const [dead, alive] = await Promise.all([openSocket(false), openSocket(true)]);
    // A socket that missed its pong is terminated (1006 on this side: no close frame).
    expect(await Promise.race([dead.closed, sleep(3000).then(() => 'still open')])).toBe(1006);
    expect(await Promise.race([alive.closed, sleep(500).then(() => 'still open')])).toBe('still open');
    alive.socket.close();
  });

  it('pings only sockets that went silent: one that keeps talking is neither pinged nor dropped', async () => {
    const chatty = await openSocket(false);
    let pings = 0;
    chatty.socket.on('ping', () => pings++);
    // graphql-ws's own ping message, eight times per keep-alive interval.
    const talk = setInterval(() => chatty.socket.send('{"type":"ping"}'), 25);
    expect(await Promise.race([chatty.closed, sleep(1500).then(() => 'still open')])).toBe('still open');
    expect(pings).toBe(0);

    clearInterval(talk);
    // Silent now, and deaf to pings: dropped like any dead peer.
    expect(await Promise.race([chatty.closed, sleep(3000).then(() => 'still open')])).toBe(1006);
    expect(pings).toBeGreaterThan(0);
  });
});
