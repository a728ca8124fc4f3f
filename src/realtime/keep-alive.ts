import type { WebSocket } from 'ws';

export interface KeepAlive {
  /**
   * Starts watching `socket`: one silent for an interval is pinged, and terminated if it stays
   * silent (no pong, no message) for another.
   */
  watch(socket: WebSocket): void;
  /** `socket` sent something: it is alive, and needs no ping at its next visit. */
  heard(socket: WebSocket): void;
  /** Stops pinging `socket` (it closed). */
  forget(socket: WebSocket): void;
  stop(): void;
}

/** Rounds per interval: each round pings one share of the sockets. */
const SHARES = 12;
/** A round's pings leave a few at a time, one slice this often, rather than all at the start of the round. */
const SLICE_MS = 20;

/**
 * One timer for every socket instead of an interval and a pong timeout each: the sockets are dealt
 * into shares and each round visits one share, pinging its sockets in slices spread over the round
 * (10,000 sockets: some 17 pings every 20 ms, not 833 at once every second, which would hold the
 * event loop for tens of milliseconds). A socket visited again (one interval later) without having
 * answered the previous ping is terminated.
 *
 * A socket that sent anything since its last visit has shown it is alive: it is not pinged. Only
 * silent sockets are, so clients that talk cost no ping, no pong and no write for either. A peer
 * that dies is dropped within three intervals of the last thing it sent (two when that was a pong).
 */
export function createKeepAlive(intervalMs: number, ping: (socket: WebSocket) => void): KeepAlive {
  const shares = Array.from({ length: SHARES }, () => new Set<WebSocket>());
  const awaitingPong = new Set<WebSocket>();
  /** Sockets that sent something since their last visit. */
  const heardFrom = new Set<WebSocket>();
  const roundMs = intervalMs / SHARES;
  const slicesPerRound = Math.max(1, Math.floor(roundMs / SLICE_MS));
  let nextShare = 0;
  let round = 0;
  let slice = 0;
  // The share being visited; a Set's iterator skips sockets deleted meanwhile and reaches those added.
  let visiting: Iterator<WebSocket> = shares[0]!.values();
  let perSlice = 0;

  function answered(this: WebSocket) {
    awaitingPong.delete(this);
  }

  const visit = (socket: WebSocket) => {
    if (socket.readyState !== socket.OPEN) return;
    if (heardFrom.delete(socket)) {
      awaitingPong.delete(socket);
      return;
    }
    if (awaitingPong.has(socket)) {
      socket.terminate();
      return;
    }
    awaitingPong.add(socket);
    ping(socket);
  };

  const visitSlice = () => {
    if (slice === 0) {
      const share = shares[round]!;
      visiting = share.values();
      perSlice = Math.ceil(share.size / slicesPerRound);
    }
    // The round's last slice takes whatever is left, sockets that joined the share meanwhile included.
    const last = slice === slicesPerRound - 1;
    for (let visited = 0; last || visited < perSlice; visited++) {
      const next = visiting.next();
      if (next.done) break;
      visit(next.value);
    }
    if (last) {
      slice = 0;
      round = (round + 1) % SHARES;
    } else {
      slice++;
    }
  };
  const timer = intervalMs > 0 && Number.isFinite(intervalMs) ? setInterval(visitSlice, roundMs / slicesPerRound) : undefined;
  timer?.unref();

  return {
    watch(socket) {
      if (!timer) return;
      shares[nextShare]!.add(socket);
      nextShare = (nextShare + 1) % SHARES;
      socket.on('pong', answered);
    },
    heard(socket) {
      if (timer) heardFrom.add(socket);
    },
    forget(socket) {
      // Twelve lookups rather than a map from every socket to its share.
      for (const share of shares) share.delete(socket);
      awaitingPong.delete(socket);
      heardFrom.delete(socket);
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
