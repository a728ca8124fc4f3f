import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createFrameWriter, textFrame, textFrameOf } from '../../src/realtime/frame-writer.js';

/** A real ws server and client on loopback; the server side's socket is what the writer writes to. */
async function socketPair() {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const serverSocket = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await once(client, 'open');
  const close = async () => {
    client.terminate();
    for (const socket of wss.clients) socket.terminate();
    wss.close();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server: await serverSocket, client, close };
}

describe('createFrameWriter', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('sends the text frames of one loop iteration in order, in a single write to the TCP socket, and counts both', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const counts = { frames: { count: 0 }, writes: { count: 0 } };
    const writer = createFrameWriter({ maxBufferedBytes: 1 << 20, slowCloseCode: 4002, slowCloseReason: 'slow', counts });
    type Writes = { _writev: (...args: unknown[]) => void; _write: (...args: unknown[]) => void };
    const tcp = (pair.server as unknown as { _socket: Writes })._socket;
    const writev = vi.spyOn(tcp, '_writev');
    const write = vi.spyOn(tcp, '_write');

    const received: string[] = [];
    const allReceived = new Promise<void>((resolve) =>
      pair.client.on('message', (data, isBinary) => {
        received.push(String(data));
        expect(isBinary).toBe(false);
        if (received.length === 50) resolve();
      }),
    );
    for (let i = 0; i < 50; i++) writer.write(pair.server, textFrame(Buffer.from(`{"n":${i}}`)));
    await allReceived;
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `{"n":${i}}`));
    expect(writev.mock.calls.length + write.mock.calls.length).toBe(1);
    expect(counts).toEqual({ frames: { count: 50 }, writes: { count: 1 } });
  });

  it('frames text of every length class a client must decode, the same bytes for several sockets', async () => {
    const first = await socketPair();
    const second = await socketPair();
    cleanups.push(first.close, second.close);
    const writer = createFrameWriter({ maxBufferedBytes: 1 << 24, slowCloseCode: 4002, slowCloseReason: 'slow' });
    const texts = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000].map((length) => 'é'.repeat(length >> 1) + 'x'.repeat(length & 1));
    const receivedBy = (pair: typeof first) => {
      const received: string[] = [];
      const done = new Promise<string[]>((resolve) =>
        pair.client.on('message', (data, isBinary) => {
          expect(isBinary).toBe(false);
          received.push(String(data));
          if (received.length === texts.length) resolve(received);
        }),
      );
      return done;
    };
    const both = Promise.all([receivedBy(first), receivedBy(second)]);
    for (const text of texts) {
      const frame = textFrame(Buffer.from(text));
      writer.write(first.server, frame);
      writer.write(second.server, frame);
    }
    expect(await both).toEqual([texts, texts]);
  });

  it('frames a string as the bytes of its UTF-8 text, in every length class', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const text = 'é'.repeat(length >> 1) + 'x'.repeat(length & 1);
      expect(textFrameOf(text).equals(textFrame(Buffer.from(text)))).toBe(true);
    }
  });

  it('does not hold a burst written in one turn against the socket', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const onSlowSocket = vi.fn();
    const writer = createFrameWriter({ maxBufferedBytes: 64 * 1024, slowCloseCode: 4002, slowCloseReason: 'slow', onSlowSocket });
    let received = 0;
    const allReceived = new Promise<void>((resolve) => pair.client.on('message', () => ++received === 64 && resolve()));
    const frame = textFrame(Buffer.from(`{"padding":"${'x'.repeat(16 * 1024)}"}`));
    for (let i = 0; i < 64; i++) writer.write(pair.server, frame);
    await allReceived;
    expect(onSlowSocket).not.toHaveBeenCalled();
    expect(pair.server.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket whose client stops reading once the bound is passed, with the given code, once', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const onSlowSocket = vi.fn();
    const writer = createFrameWriter({ maxBufferedBytes: 64 * 1024, slowCloseCode: 4002, slowCloseReason: 'Fell behind', onSlowSocket });
    // The client stops reading: what the server sends piles up in the kernel, then in the socket.
    (pair.client as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = textFrame(Buffer.from(`{"padding":"${'x'.repeat(16 * 1024)}"}`));
    for (let turn = 0; turn < 5000 && pair.server.readyState === WebSocket.OPEN; turn++) {
      writer.write(pair.server, frame);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(pair.server.readyState).toBe(WebSocket.CLOSING);
    expect(onSlowSocket).toHaveBeenCalledTimes(1);
    writer.write(pair.server, frame);
    expect(onSlowSocket).toHaveBeenCalledTimes(1);

    const closed = once(pair.client, 'close');
    (pair.client as unknown as { _socket: { resume(): void } })._socket.resume();
    const [code, reason] = (await closed) as [number, Buffer];
    expect(code).toBe(4002);
    expect(String(reason)).toBe('Fell behind');
  });
});
