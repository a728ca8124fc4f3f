import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildServer } from '../../src/server.js';
import { tokenFor } from '../support/gateway.js';

const logged: Array<{ level: number; msg: string }> = [];
let wsUrl: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  const lines = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', WS_MAX_PAYLOAD_BYTES: '1024' });
  const server = buildServer(config, { logger: pino({ level: 'error' }, lines) });
  const running = await server.start();
  wsUrl = running.url.replace(/^http/, 'ws');
  stop = () => server.stop();
});
afterAll(() => stop());

async function acknowledgedSocket(userId: string) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await tokenFor(userId)}` } }));
  const ack = await new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
  return { socket, closed, ack: JSON.parse(ack) as { type: string } };
}

describe('a socket that fails', () => {
  it('is closed and logged, and the server goes on serving the others', async () => {
    const failing = await acknowledgedSocket('alice');
    const other = await acknowledgedSocket('bob');
    failing.socket.send('x'.repeat(2048));
    expect(await failing.closed).toBe(1009);
    expect(logged).toContainEqual(expect.objectContaining({ level: 50, msg: 'a WebSocket failed' }));

    const pong = new Promise<string>((resolve) => other.socket.once('message', (data) => resolve(String(data))));
    other.socket.send(JSON.stringify({ type: 'ping' }));
    expect(JSON.parse(await pong)).toEqual({ type: 'pong' });
    expect((await acknowledgedSocket('carol')).ack).toEqual({ type: 'connection_ack' });
    other.socket.close();
  });
});
