import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import { textFrameOf, type FrameWriter } from './frame-writer.js';
import { createKeepAlive } from './keep-alive.js';

/**
 * What graphql-ws hands the server's hooks about each socket (`ctx.extra`). The upgrade request is
 * not kept: a socket authenticates with its connection_init payload, and every socket holding its
 * request, headers and raw headers for its whole life would cost more than a kilobyte each.
 */
export interface SocketExtra {
  socket: WebSocket;
}

export interface GraphqlWsBindingOptions<E extends SocketExtra = SocketExtra> {
  wss: WebSocketServer;
  /** Every frame the protocol sends goes through it: a turn's frames leave in one write per socket. */
  frames: FrameWriter;
  /** Ping interval; a socket that leaves a ping unanswered this long is terminated. 0 turns pings off. */
  keepAliveMs: number;
  logger: Logger;
  /**
   * Offered every message before graphql-ws: the handling's promise when it takes the message
   * over (graphql-ws never sees it), undefined to leave the message to graphql-ws.
   */
  claim?: (extra: E, text: string) => Promise<void> | undefined;
  /**
   * Builds a socket's `ctx.extra`. Give it every field the hooks will set, even if undefined: an
   * object that gains fields later grows a separate property store, for each socket. Default:
   * `{ socket }`.
   */
  extraOf?: (socket: WebSocket) => E;
}

export interface GraphqlWsBinding {
  /** Closes every socket with 1001 and the server with them. */
  dispose(): Promise<void>;
}

/** graphql-ws's own default. */
const DEFAULT_INIT_WAIT_MS = 3_000;

/** A ping with no payload: the same two bytes for every socket. */
const PING_FRAME = Buffer.from([0x89, 0x00]);

/**
 * graphql-ws's protocol server on `ws` sockets, as graphql-ws's own `useServer` binds it, with
 * these differences: the protocol's frames (acks, results, completions) go through the frame
 * writer instead of one `ws.send` and one promise each, so a mutation's result and completion
 * leave in one write with whatever else the socket gets that turn; keep-alive pings come from one
 * timer for all sockets instead of an interval and a timeout per socket, and only to sockets that
 * have been silent for an interval; the wait for connection_init is a timer dropped once the
 * socket initialises (graphql-ws's own stays referenced for the socket's whole life); messages a
 * `claim` takes over never reach graphql-ws; and internal errors are logged, not printed.
 */
export function bindGraphqlWs<E extends SocketExtra>(serverOptions: ServerOptions<Record<string, unknown>, E>, options: GraphqlWsBindingOptions<E>): GraphqlWsBinding {
  const { wss, frames, logger, claim } = options;
  const initWaitMs = serverOptions.connectionInitWaitTimeout ?? DEFAULT_INIT_WAIT_MS;
  const awaitingInit = new Map<WebSocket, NodeJS.Timeout>();
  const initialised = (socket: WebSocket) => {
    clearTimeout(awaitingInit.get(socket));
    awaitingInit.delete(socket);
  };
  const server = makeServer<Record<string, unknown>, E>({
    ...serverOptions,
    connectionInitWaitTimeout: 0,
    onConnect(ctx) {
      initialised(ctx.extra.socket);
      return serverOptions.onConnect?.(ctx);
    },
  });
  const keepAlive = createKeepAlive(options.keepAliveMs, (socket) => frames.write(socket, PING_FRAME));
  wss.options.handleProtocols = handleProtocols;

  const internalError = (socket: WebSocket, error: unknown, what: string) => {
    logger.error({ err: error }, what);
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };

  wss.once('error', (error) => {
    logger.error({ err: error }, 'the WebSocket server failed');
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });

  // One listener for every socket (`this` is the socket), not a closure per socket; `on` rather
  // than `once`, which wraps each listener in a bound function and a state object of its own.
  function onSocketError(this: WebSocket, error: Error) {
    internalError(this, error, 'a WebSocket failed');
  }

  wss.on('connection', (socket) => {
    socket.on('error', onSocketError);
    keepAlive.watch(socket);
    if (initWaitMs > 0 && Number.isFinite(initWaitMs)) {
      awaitingInit.set(
        socket,
        setTimeout(() => {
          awaitingInit.delete(socket);
          socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
        }, initWaitMs),
      );
    }
    const extra = options.extraOf?.(socket) ?? ({ socket } as E);
    const protocolSocket = new ProtocolSocket(socket, frames);
    const closed = server.opened(protocolSocket, extra);
    socket.on('message', (data) => {
      keepAlive.heard(socket);
      const text = String(data);
      (claim?.(extra, text) ?? protocolSocket.receive(text)).catch((error: unknown) => internalError(socket, error, 'handling a graphql-ws message failed'));
    });
    // ws emits close once.
    socket.on('close', (code, reason) => {
      initialised(socket);
      keepAlive.forget(socket);
      closed(code, String(reason)).catch((error: unknown) => logger.error({ err: error }, 'closing a graphql-ws socket failed'));
    });
  });

  return {
    async dispose() {
      keepAlive.stop();
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * The socket as graphql-ws's server sees it: one object per socket whose methods graphql-ws calls,
 * rather than an object literal and a closure per method. Its frames go through the frame writer.
 */
class ProtocolSocket {
  readonly protocol: string;
  /** graphql-ws's handler of the socket's messages, once it has set one (it does not if the subprotocol is wrong). */
  private handle: ((data: string) => Promise<void>) | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly frames: FrameWriter,
  ) {
    this.protocol = socket.protocol;
  }

  send(data: string): void {
    this.frames.write(this.socket, textFrameOf(data));
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.handle = handle;
  }

  /** Hands a message to graphql-ws. */
  receive(text: string): Promise<void> {
    return this.handle ? this.handle(text) : Promise.resolve();
  }
}
