import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

export interface FrameWriterOptions {
  /**
   * Bytes a socket may still have queued from earlier turns of the event loop, not yet taken by
   * its peer, before it is closed as too slow. What one turn writes (a replay on resume, say) is
   * not held against it until the next. Nothing else bounds what a subscriber holds: the frames
   * wait in the socket's own buffer.
   */
  maxBufferedBytes: number;
  /** Called, once per socket, when a socket is closed for falling behind. */
  onSlowSocket?: (socket: WebSocket) => void;
  /** The close code and reason a socket that falls behind receives. */
  slowCloseCode: number;
  slowCloseReason: string;
}

export interface FrameWriter {
  /**
   * Sends a text frame (UTF-8 bytes). Frames written to one socket before the event loop next
   * checks for I/O (every message of the Redis reads that arrived together, say) leave in one
   * write instead of one syscall each: the busier the loop, the more frames share a write.
   */
  write(socket: WebSocket, frame: Buffer): void;
}

/** ws keeps the TCP socket under this name; corking it holds frames until the flush. */
type WithTcpSocket = WebSocket & { _socket?: Duplex };

const TEXT_FRAME = { binary: false } as const;

/**
 * Coalesces the frames of a loop iteration into one write per socket, and closes a socket whose peer no
 * longer reads (its queued bytes pass the bound) with a close code that tells it to reconnect and
 * resume from its last cursor.
 */
export function createFrameWriter(options: FrameWriterOptions): FrameWriter {
  const corked: Duplex[] = [];
  let flushScheduled = false;

  const flush = () => {
    flushScheduled = false;
    for (const tcp of corked.splice(0)) tcp.uncork();
  };

  return {
    write(socket, frame) {
      if (socket.readyState !== WebSocket.OPEN) return;
      const tcp = (socket as WithTcpSocket)._socket;
      const firstThisTurn = !tcp || tcp.writableCorked === 0;
      if (firstThisTurn && socket.bufferedAmount > options.maxBufferedBytes) {
        options.onSlowSocket?.(socket);
        socket.close(options.slowCloseCode, options.slowCloseReason);
        return;
      }
      if (tcp && firstThisTurn) {
        tcp.cork();
        corked.push(tcp);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      }
      socket.send(frame, TEXT_FRAME);
    },
  };
}
