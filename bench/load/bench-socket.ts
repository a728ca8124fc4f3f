import WebSocket from 'ws';

/** graphql-ws message types the generator needs; the protocol's own names. */
export const enum FrameType {
  ConnectionInit = 'connection_init',
  ConnectionAck = 'connection_ack',
  Ping = 'ping',
  Pong = 'pong',
  Subscribe = 'subscribe',
  Next = 'next',
  Error = 'error',
  Complete = 'complete',
}

export interface ControlFrame {
  id?: string;
  type: string;
  payload?: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } & Record<string, unknown>;
}

export interface BenchSocketHandlers {
  /** A frame that is not a delivery (acks, errors, completes), already parsed. */
  onControl(frame: ControlFrame): void;
  /** Every raw text frame; returns true when it handled it as a delivery. */
  onFrame(text: string): boolean;
  onUnexpectedClose(code: number): void;
}

/**
 * A bare graphql-ws client on `ws`: the generator shares two cores with the servers, so it skips the
 * full client's machinery and parses JSON only for the rare frames that are not deliveries.
 */
export class BenchSocket {
  private ws!: WebSocket;
  private closing = false;

  constructor(private readonly handlers: BenchSocketHandlers) {}

  /** Opens the socket and resolves on connection_ack. */
  open(url: string, initPayload: Record<string, unknown>, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: timeoutMs });
      this.ws = ws;
      let acked = false;
      const timer = setTimeout(() => {
        if (!acked) {
          reject(new Error('connection_ack timed out'));
          ws.terminate();
        }
      }, timeoutMs);
      ws.on('open', () => ws.send(JSON.stringify({ type: FrameType.ConnectionInit, payload: initPayload })));
      ws.on('message', (data: Buffer) => {
        const text = data.toString('latin1');
        if (this.handlers.onFrame(text)) return;
        const frame = JSON.parse(text) as ControlFrame;
        if (frame.type === FrameType.Ping) return ws.send('{"type":"pong"}');
        if (frame.type === FrameType.ConnectionAck) {
          acked = true;
          clearTimeout(timer);
          return resolve();
        }
        this.handlers.onControl(frame);
      });
      ws.on('error', (error) => {
        if (!acked) {
          clearTimeout(timer);
          reject(error);
        }
      });
      ws.on('close', (code) => {
        clearTimeout(timer);
        if (!acked) reject(new Error(`closed before connection_ack: ${code}`));
        else if (!this.closing) this.handlers.onUnexpectedClose(code);
      });
    });
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ id, type: FrameType.Subscribe, payload: { query, variables } }));
  }

  sendRaw(frame: string): void {
    this.ws.send(frame);
  }

  /** Drops the connection at once, as a lost network would. */
  close(): void {
    this.closing = true;
    this.ws?.terminate();
  }

  /** Leaves properly: a close frame, then the server closes the connection. */
  leave(): void {
    this.closing = true;
    this.ws?.close(1000, 'bye');
  }
}
