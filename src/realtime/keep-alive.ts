import type { WebSocket } from 'ws';

export interface KeepAlive {
  /** Starts pinging `socket`; it is terminated if a ping goes unanswered for `intervalMs`. */
  watch(socket: WebSocket): void;
  /** Stops pinging `socket` (it closed). */
  forget(socket: WebSocket): void;
  stop(): void;
}

/** Rounds per interval: each round pings one share of the sockets, so pings never come as one burst. */
const SHARES = 12;

/**
 * One timer for every socket instead of an interval and a pong timeout each: the sockets are dealt
 * into shares and each round visits one share, pinging its sockets. A socket visited again (one
 * interval later) without having answered the previous ping is terminated.
 */
export function createKeepAlive(intervalMs: number, ping: (socket: WebSocket) => void): KeepAlive {
  const shares = Array.from({ length: SHARES }, () => new Set<WebSocket>());
  const awaitingPong = new Set<WebSocket>();
  let nextShare = 0;
  let round = 0;

  function answered(this: WebSocket) {
    awaitingPong.delete(this);
  }

  const visit = () => {
    const share = shares[round]!;
    round = (round + 1) % SHARES;
    for (const socket of share) {
      if (socket.readyState !== socket.OPEN) continue;
      if (awaitingPong.has(socket)) {
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      ping(socket);
    }
  };
  const timer = intervalMs > 0 && Number.isFinite(intervalMs) ? setInterval(visit, intervalMs / SHARES) : undefined;
  timer?.unref();

  return {
    watch(socket) {
      if (!timer) return;
      shares[nextShare]!.add(socket);
      nextShare = (nextShare + 1) % SHARES;
      socket.on('pong', answered);
    },
    forget(socket) {
      // Twelve lookups rather than a map from every socket to its share.
      for (const share of shares) share.delete(socket);
      awaitingPong.delete(socket);
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
