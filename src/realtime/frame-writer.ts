import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Tally } from '../metrics.js';

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
  /** Counts every frame sent and every write that carried them. */
  counts?: { frames: Tally; writes: Tally };
}

export interface FrameWriter {
  /**
   * Sends a complete WebSocket frame (see `textFrame`): the same bytes can go to any number of
   * sockets. Frames written to one socket before the event loop next checks for I/O (every message
   * of the Redis reads that arrived together, say) leave in one write instead of one syscall each:
   * the busier the loop, the more frames share a write.
   */
  write(socket: WebSocket, frame: Buffer): void;
}

/** ws keeps the TCP socket under this name; corking it holds frames until the flush. */
type WithTcpSocket = WebSocket & { _socket?: Duplex };

/**
 * A complete, unmasked WebSocket text frame holding `parts` in order (RFC 6455 §5.2: a server's
 * frames are not masked), built in one allocation.
 */
export function textFrame(...parts: Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const frame = Buffer.allocUnsafe(headerLengthOf(length) + length);
  let offset = writeTextHeader(frame, length);
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}

function headerLengthOf(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
}

/** Writes the header of a final text frame of `payloadLength` bytes; answers where the payload starts. */
function writeTextHeader(frame: Buffer, payloadLength: number): number {
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (payloadLength < 126) {
    frame[1] = payloadLength;
    return 2;
  }
  if (payloadLength < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
    return 4;
  }
  frame[1] = 127;
  frame.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
  frame.writeUInt32BE(payloadLength >>> 0, 6);
  return 10;
}

/** A complete, unmasked WebSocket text frame holding `text`, encoded straight into the frame. */
export function textFrameOf(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerLengthOf(length) + length);
  frame.write(text, writeTextHeader(frame, length));
  return frame;
}

/**
 * Coalesces the frames of a loop iteration into one write per socket, and closes a socket whose
 * peer no longer reads (its queued bytes pass the bound) with a close code that tells it to
 * reconnect and resume from its last cursor.
 */
export function createFrameWriter(options: FrameWriterOptions): FrameWriter {
  const corked: Duplex[] = [];
  let flushScheduled = false;
  const counts = options.counts ?? { frames: { count: 0 }, writes: { count: 0 } };

  const flush = () => {
    flushScheduled = false;
    counts.writes.count += corked.length;
    for (const tcp of corked.splice(0)) tcp.uncork();
  };

  return {
    write(socket, frame) {
      const tcp = (socket as WithTcpSocket)._socket;
      if (socket.readyState !== WebSocket.OPEN || !tcp) return;
      // The first frame of this iteration: what is still queued came from earlier ones, and is
      // what the peer has not taken.
      if (tcp.writableCorked === 0) {
        // The TCP stream's queue is all a socket holds: ws queues nothing of its own without compression.
        if (tcp.writableLength > options.maxBufferedBytes) {
          options.onSlowSocket?.(socket);
          socket.close(options.slowCloseCode, options.slowCloseReason);
          return;
        }
        tcp.cork();
        corked.push(tcp);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      }
      // Straight to the TCP stream, behind whatever ws itself wrote: ws writes synchronously when
      // it does not compress (the server does not), so frames keep their order.
      tcp.write(frame);
      counts.frames.count++;
    },
  };
}
