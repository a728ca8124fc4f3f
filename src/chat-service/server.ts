import { Server, ServerCredentials } from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { ChatService } from '../chat-rpc/generated/chat.js';
import { createChatGrpcService } from './grpc-service.js';
import type { ChatStore } from './store.js';

export interface ChatServiceOptions {
  /** The system of record the service answers from. */
  store: ChatStore;
  /** Interface to listen on; default '127.0.0.1' (reachable from this machine only). */
  host?: string;
  /** Port to listen on; default 0, a free port chosen by the system (see `start()`'s answer). */
  port?: number;
  /** Default a pino logger named `chat-service` on stdout. */
  logger?: Logger;
  /** How long `stop()` lets calls in flight finish before cutting them off; default 5000 ms. */
  shutdownTimeoutMs?: number;
}

export interface ChatServiceHandle {
  /** Binds and serves; answers the address clients dial, `host:port` (`[host]:port` for IPv6). */
  start(): Promise<{ address: string }>;
  /** Stops accepting calls, lets those in flight finish, then closes; a no-op when not started. */
  stop(): Promise<void>;
}

/**
 * The reference Chat gRPC service. Nothing listens until `start()`; after `stop()` it may be
 * started again.
 */
export function createChatService(options: ChatServiceOptions): ChatServiceHandle {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  const logger = options.logger ?? pino({ name: 'chat-service' });
  const implementation = createChatGrpcService({ store: options.store, logger });
  let server: Server | undefined;

  return {
    async start() {
      if (server) throw new Error('The Chat service is already started.');
      const starting = new Server({
        // Reap connections of gateways that vanished without closing them (crash, network split).
        'grpc.keepalive_time_ms': 60_000,
        'grpc.keepalive_timeout_ms': 20_000,
      });
      starting.addService(ChatService, implementation);
      // Claimed before binding so that a second start() while this one binds fails too.
      server = starting;
      const hostPart = host.includes(':') ? `[${host}]` : host;
      let boundPort: number;
      try {
        boundPort = await new Promise<number>((resolve, reject) => {
          starting.bindAsync(`${hostPart}:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
            error ? reject(error) : resolve(bound),
          );
        });
      } catch (error) {
        if (server === starting) server = undefined;
        starting.forceShutdown();
        throw error;
      }
      const address = `${hostPart}:${boundPort}`;
      logger.debug({ address }, 'Chat service listening');
      return { address };
    },

    async stop() {
      const stopping = server;
      if (!stopping) return;
      server = undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ shutdownTimeoutMs }, 'Chat service calls still running at shutdown; cutting them off');
          stopping.forceShutdown();
          resolve();
        }, shutdownTimeoutMs);
        stopping.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
