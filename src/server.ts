import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { useDisableIntrospection } from '@envelop/disable-introspection';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { tokenFromAuthorization } from './auth/extract-token.js';
import { InvalidTokenError } from './auth/token-verifier.js';
import type { Viewer } from './auth/viewer.js';
import { countErrors } from './answered-errors.js';
import { createCompiledExecution, useCompiledExecution, type ExecuteOperation } from './compiled-execution.js';
import type { Config } from './config.js';
import { createGraphQLContext, type GraphQLContext } from './context.js';
import { unauthenticated } from './errors.js';
import { renderGraphiQLWithSocketAuth } from './graphiql.js';
import { createLogger } from './logger.js';
import { SocketCloseCode } from './realtime/close-codes.js';
import { createGraphqlWsServer, type GraphqlWsServer } from './realtime/graphql-ws-server.js';
import { createSharedSubscriptions, type SharedSubscriptions } from './realtime/shared-subscriptions.js';
import { createSocketExecution } from './realtime/socket-execution.js';
import { schema } from './schema/index.js';
import { createServices, type Services } from './services.js';

export const GRAPHQL_PATH = '/graphql';

export interface BuildServerOptions {
  /** Default: pino at the configured level. */
  logger?: Logger;
}

export interface RunningServer {
  /** The port actually bound (useful with PORT=0). */
  port: number;
  url: string;
  services: Services;
}

export interface GatewayServer {
  start(): Promise<RunningServer>;
  /** Stops taking connections, closes sockets with 1001, drains the queue, then releases everything. */
  stop(): Promise<void>;
}

/** Builds the gateway; nothing listens or connects until start(). */
export function buildServer(config: Config, options: BuildServerOptions = {}): GatewayServer {
  const logger = options.logger ?? createLogger(config.logLevel);
  let running: { services: Services; close: () => Promise<void> } | undefined;

  return {
    async start() {
      if (running) throw new Error('The server is already started.');
      const services = await createServices(config, logger);
      try {
        const { port, close } = await listen(config, services);
        running = { services, close };
        const url = `http://localhost:${port}${GRAPHQL_PATH}`;
        logger.info({ port, url, redis: Boolean(config.redisUrl), chat: config.chat.url ?? 'embedded' }, 'gateway listening');
        if (config.auth.usingDevSecret) logger.warn('using the development JWT secret: set JWT_SECRET outside development');
        return { port, url, services };
      } catch (error) {
        await services.close();
        throw error;
      }
    },
    async stop() {
      const current = running;
      running = undefined;
      if (!current) return;
      await current.close();
      await current.services.close();
      logger.info('gateway stopped');
    },
  };
}

/** Yoga with the gateway's plugins: the HTTP endpoint, and the pipeline its sockets parse, validate and subscribe with. */
export function createGraphQLHandler(config: Config, services: Services, shared: SharedSubscriptions, executeOperation: ExecuteOperation) {
  const plugins: Plugin[] = [useErrorMetrics(services), useCompiledExecution(executeOperation), shared.plugin];
  // The envelop plugin (unlike yoga's) also covers operations arriving over WebSocket.
  if (!config.graphiql) plugins.push(useDisableIntrospection() as Plugin);

  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    logging: services.logger.child({ component: 'yoga' }),
    maskedErrors: { isDev: false },
    graphiql: config.graphiql
      ? {
          title: 'CampusHub Realtime',
          subscriptionsProtocol: 'WS',
          defaultHeaders: JSON.stringify({ Authorization: 'Bearer <paste the output of: npm run token -- alice Alice>' }, null, 2),
        }
      : false,
    renderGraphiQL: renderGraphiQLWithSocketAuth,
    plugins,
    context: async (initial) => {
      // WebSocket operations arrive with the viewer the socket authenticated as.
      if ('viewer' in initial) return createGraphQLContext(services, initial.viewer as Viewer | null);
      return createGraphQLContext(services, await viewerOfRequest(services, initial.request as Request));
    },
  });
}

async function viewerOfRequest(services: Services, request: Request): Promise<Viewer | null> {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const token = tokenFromAuthorization(header);
  if (!token) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  try {
    const viewer = await services.tokens.verify(token);
    await services.users.remember(viewer);
    return viewer;
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(`${error.message}.`);
    throw error;
  }
}

/** Counts answered errors by code; masked (unexpected) ones count as INTERNAL. */
function useErrorMetrics(services: Services): Plugin {
  return {
    onExecute: () => ({ onExecuteDone: ({ result }) => void ('errors' in result && countErrors(services.metrics.errors, result.errors)) }),
  };
}

async function listen(config: Config, services: Services): Promise<{ port: number; close: () => Promise<void> }> {
  const executeOperation = createCompiledExecution((errors) => {
    services.logger.warn({ errors }, 'an operation could not be compiled: it runs on graphql-js');
  });
  const shared = createSharedSubscriptions(executeOperation);
  const yoga = createGraphQLHandler(config, services, shared, executeOperation);
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.realtime.maxPayloadBytes });
  let graphqlWs: GraphqlWsServer | undefined;

  const operational = createOperationalRoutes(services, () => graphqlWs?.stats() ?? { sockets: 0, subscriptions: 0 });
  const server = createServer((req, res) => {
    if (!operational(req, res)) void yoga.requestListener(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== GRAPHQL_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (wss.clients.size >= config.realtime.maxConnections) {
      services.metrics.connectionsRefused.inc({ reason: 'capacity' });
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const execute = createSocketExecution(executeOperation, (errors) => countErrors(services.metrics.errors, errors));
  graphqlWs = createGraphqlWsServer({ wss, yoga, services, shared, execute });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await graphqlWs?.dispose(SocketCloseCode.GoingAway, 'Server shutting down');
      server.closeAllConnections();
      await closed;
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** `/health`, `/ready`, `/stats` and `/metrics`; answers true when it handled the request. */
function createOperationalRoutes(services: Services, socketStats: () => { sockets: number; subscriptions: number }) {
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (new URL(req.url ?? '/', 'http://localhost').pathname) {
      case '/health':
        json(res, 200, { status: 'ok' });
        return true;
      case '/ready':
        void (async () => {
          const [checks, queue] = await Promise.all([services.readiness(), services.queue.stats()]);
          const ready = Object.values(checks).every(Boolean);
          json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks, queue });
        })().catch((error: unknown) => {
          services.logger.error({ err: error }, 'readiness check failed');
          json(res, 503, { status: 'unavailable' });
        });
        return true;
      case '/stats':
        json(res, 200, {
          onlineUsers: services.presence.localUserCount(),
          ...socketStats(),
          channels: services.bus.channelCount(),
        });
        return true;
      case '/metrics':
        void services.metrics.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': services.metrics.registry.contentType });
          res.end(text);
        });
        return true;
      default:
        return false;
    }
  };
}
