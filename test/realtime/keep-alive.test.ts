import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { createKeepAlive } from '../../src/realtime/keep-alive.js';

/** Just what the keep-alive touches of a ws socket. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  pings = 0;
  terminated = false;
  terminate() {
    this.terminated = true;
    this.readyState = 3;
  }
}

const asSocket = (socket: FakeSocket) => socket as unknown as WebSocket;

/** `count` sockets that answer every ping, watched by a keep-alive of `intervalMs`. */
function answeringSockets(count: number, intervalMs: number) {
  const sockets = Array.from({ length: count }, () => new FakeSocket());
  const keepAlive = createKeepAlive(intervalMs, (socket) => {
    (socket as unknown as FakeSocket).pings++;
    socket.emit('pong');
  });
  for (const socket of sockets) keepAlive.watch(asSocket(socket));
  return { sockets, keepAlive };
}

describe('createKeepAlive', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pings every socket once per interval and keeps those that answer', () => {
    const { sockets, keepAlive } = answeringSockets(24, 1200);

    vi.advanceTimersByTime(1200);
    expect(sockets.map((socket) => socket.pings)).toEqual(sockets.map(() => 1));
    vi.advanceTimersByTime(1200 * 3);
    expect(sockets.map((socket) => socket.pings)).toEqual(sockets.map(() => 4));
    expect(sockets.some((socket) => socket.terminated)).toBe(false);
    keepAlive.stop();
  });

  it('spreads the pings over the interval a few sockets at a time', () => {
    const { sockets, keepAlive } = answeringSockets(1200, 12_000);
    const pinged = () => sockets.filter((socket) => socket.pings > 0).length;

    // A round (a second) pings a twelfth of the sockets, in slices of 20 ms.
    vi.advanceTimersByTime(20);
    expect(pinged()).toBe(2);
    vi.advanceTimersByTime(480);
    expect(pinged()).toBe(50);
    vi.advanceTimersByTime(500);
    expect(pinged()).toBe(100);
    vi.advanceTimersByTime(11_000);
    expect(sockets.map((socket) => socket.pings)).toEqual(sockets.map(() => 1));
    keepAlive.stop();
  });

  it('pings, in the same round, sockets that joined its share while it was being visited', () => {
    const { keepAlive } = answeringSockets(12, 12_000);
    vi.advanceTimersByTime(20);
    // The first share's round has begun; a thirteenth socket is dealt into that share.
    const late = new FakeSocket();
    keepAlive.watch(asSocket(late));
    vi.advanceTimersByTime(980);
    expect(late.pings).toBe(1);
    keepAlive.stop();
  });

  it('terminates a socket that leaves a ping unanswered for an interval', () => {
    const silent = new FakeSocket();
    const answering = new FakeSocket();
    const keepAlive = createKeepAlive(1200, (socket) => {
      if (socket === asSocket(answering)) socket.emit('pong');
    });
    keepAlive.watch(asSocket(silent));
    keepAlive.watch(asSocket(answering));

    vi.advanceTimersByTime(1200);
    expect(silent.terminated).toBe(false);
    vi.advanceTimersByTime(1200);
    expect(silent.terminated).toBe(true);
    expect(answering.terminated).toBe(false);
    keepAlive.stop();
  });

  it('does not ping a socket heard from since its last visit, and pings it once it falls silent', () => {
    const { sockets, keepAlive } = answeringSockets(2, 1200);
    const [talking, quiet] = sockets as [FakeSocket, FakeSocket];
    keepAlive.heard(asSocket(talking));
    const talk = setInterval(() => keepAlive.heard(asSocket(talking)), 300);

    vi.advanceTimersByTime(1200 * 3);
    expect(talking.pings).toBe(0);
    expect(quiet.pings).toBe(3);

    clearInterval(talk);
    vi.advanceTimersByTime(1200 * 2);
    expect(talking.pings).toBeGreaterThan(0);
    keepAlive.stop();
  });

  it('keeps a socket that answered a ping with a message instead of a pong', () => {
    const socket = new FakeSocket();
    const keepAlive = createKeepAlive(1200, () => undefined);
    keepAlive.watch(asSocket(socket));

    vi.advanceTimersByTime(1200);
    keepAlive.heard(asSocket(socket));
    vi.advanceTimersByTime(1200);
    expect(socket.terminated).toBe(false);
    // Silent for the next interval, and never a pong: terminated.
    vi.advanceTimersByTime(1200 * 2);
    expect(socket.terminated).toBe(true);
    keepAlive.stop();
  });

  it('stops pinging a socket it was told to forget, and pings nothing when off', () => {
    const socket = new FakeSocket();
    const ping = vi.fn();
    const keepAlive = createKeepAlive(1200, ping);
    keepAlive.watch(asSocket(socket));
    keepAlive.forget(asSocket(socket));
    vi.advanceTimersByTime(5000);
    expect(ping).not.toHaveBeenCalled();
    expect(socket.terminated).toBe(false);
    keepAlive.stop();

    const off = createKeepAlive(0, ping);
    off.watch(asSocket(socket));
    vi.advanceTimersByTime(5000);
    expect(ping).not.toHaveBeenCalled();
    off.stop();
  });
});
