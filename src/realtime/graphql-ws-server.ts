import { randomUUID } from 'node:crypto';
import { getOperationAST, OperationTypeNode, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { CloseCode, type Context as WsContext, type SubscribePayload } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { tokenFromConnectionParams } from '../auth/extract-token.js';
import type { Viewer } from '../auth/viewer.js';
import { publicError, publicResult } from '../answered-errors.js';
import { createGraphQLContext, type GraphQLContext } from '../context.js';
import type { Tally } from '../metrics.js';
import type { Services } from '../services.js';
import { SocketCloseCode } from './close-codes.js';
import { createFrameWriter, textFrame, textFrameOf, type FrameWriter } from './frame-writer.js';
import { bindGraphqlWs, type SocketExtra } from './graphql-ws-binding.js';
import type { UserEvent } from './topics.js';
import type { DirectDelivery, SharedSubscriptions } from './shared-subscriptions.js';
import { createClaimedOperations } from './claimed-operations.js';
import { ExpiryWatch } from './expiry-watch.js';
import type { SocketExecute } from './socket-execution.js';
import { isErrors, ValidatedDocuments } from './validated-documents.js';

/** What this server keeps about each socket, beside graphql-ws's own state. */
interface Connection {
  id: string;
  viewer?: Viewer;
  /** Runs when the socket closes: what the connection holds beyond the socket (its session subscription). */
  cleanup: Array<() => void>;
}

type Extra = SocketExtra & {
  connection?: Connection;
  /** graphql-ws's context of the socket, for the messages handled beside graphql-ws. */
  wsContext?: WsContext<Record<string, unknown>, Extra>;
};

export interface GraphqlWsServerOptions {
  wss: WebSocketServer;
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  services: Services;
  shared: SharedSubscriptions;
  /** Runs the sockets' queries and mutations. */
  execute: SocketExecute;
}

export interface GraphqlWsServer {
  /** Open sockets and their active subscriptions. */
  stats(): { sockets: number; subscriptions: number };
  /** Closes every socket with `code` and stops accepting new ones. */
  dispose(code?: number, reason?: string): Promise<void>;
}

/**
 * graphql-ws on the yoga envelop pipeline: WebSocket operations are parsed, validated, executed and
 * masked exactly as HTTP ones, the queries and mutations by `execute`, which does what the
 * pipeline's execute hooks do. Each operation's context is the one yoga's `context` builds for a
 * socket, from the viewer alone. The socket authenticates once, in connection_init; a bad token
 * closes it with 4403 before any operation runs, and the token's expiry closes it the same way.
 */
export function createGraphqlWsServer(options: GraphqlWsServerOptions): GraphqlWsServer {
  const { wss, yoga, services, shared, execute } = options;
  const { config, logger, metrics, presence, bus, topics } = services;
  const contexts = new Set<WsContext<Record<string, unknown>, Extra>>();
  // Deliveries are the hot path: each document's tally is looked up once, not per event.
  const deliveryTallies = new WeakMap<DocumentNode, Tally>();
  const deliveryTallyOf = (document: DocumentNode) => {
    let tally = deliveryTallies.get(document);
    if (!tally) deliveryTallies.set(document, (tally = metrics.deliveries.tally(rootFieldOf(document))));
    return tally;
  };
  // Every frame goes straight to the socket, a turn's frames coalesced per socket; shared
  // subscriptions also bypass graphql-ws's per-subscriber iteration: their serialised payloads
  // are framed here.
  const frames = createFrameWriter({
    maxBufferedBytes: config.realtime.maxBufferedBytes,
    slowCloseCode: SocketCloseCode.FellBehind,
    slowCloseReason: 'Fell behind: resubscribe with after',
    onSlowSocket: () => metrics.slowSockets.inc(),
    counts: { frames: metrics.socketFrames, writes: metrics.socketWrites },
  });
  const nextFrames = new NextFrames();
  const tokenExpiry = new ExpiryWatch<WebSocket>((socket) => socket.close(CloseCode.Forbidden, 'Token expired'));
  const directDelivery = (socket: WebSocket, id: string, document: DocumentNode): DirectDelivery =>
    new SocketDelivery(frames, nextFrames, socket, id, deliveryTallyOf(document));

  type Ctx = WsContext<Record<string, unknown>, Extra>;
  // One envelop pipeline for every socket operation: its parse and validate (reached only for a
  // query text not seen yet) and its subscribe read nothing of an operation's context, and its
  // execute and context building are replaced by `execute` and `createGraphQLContext`. Building a
  // pipeline per operation, as yoga's recipe does, made a dozen closures for every message sent.
  const pipeline = yoga.getEnveloped({});
  const documents = new ValidatedDocuments(pipeline);

  /**
   * The operation's execution arguments: its context built, its document parsed and validated. A
   * subscription's root value carries its direct delivery.
   */
  const executionArgs = (ctx: Ctx, id: string, payload: SubscribePayload, document: DocumentNode): ExecutionArgs => ({
    schema: pipeline.schema,
    operationName: payload.operationName,
    document,
    variableValues: payload.variables,
    contextValue: createGraphQLContext(services, ctx.extra.connection?.viewer ?? null),
    rootValue: isSubscription(document, payload.operationName)
      ? ({ delivery: () => directDelivery(ctx.extra.socket, id, document) } satisfies SocketRoot)
      : undefined,
  });

  /** Subscribes with direct delivery when the operation is shared; the root value and context are then done with. */
  const subscribeShared = async (args: ExecutionArgs) => {
    const direct = shared.subscribeDirect(args, (args.rootValue as SocketRoot).delivery);
    if (!direct) return pipeline.subscribe(args);
    const result = await direct;
    args.contextValue = undefined;
    args.rootValue = undefined;
    return result;
  };

  // Shared subscriptions (a socket's newMessage), queries and mutations (every sendMessage) are
  // handled beside graphql-ws. It would keep a suspended handler for each subscription's whole
  // life, and for each query or mutation it builds a set of closures and awaits each of its hooks.
  const claimOperation = createClaimedOperations<Ctx>({
    prepare(ctx, id, payload) {
      // Anything else, errors included, is left to graphql-ws: the same answers, a little slower.
      const document = documents.documentOf(payload.query);
      if (isErrors(document)) return undefined;
      const { operationName, variables } = payload;
      const operation = getOperationAST(document, operationName);
      if (!operation) return undefined;
      if (operation.operation === OperationTypeNode.SUBSCRIPTION && !shared.isShared({ schema: pipeline.schema, document, operationName, variableValues: variables })) {
        return undefined;
      }
      return () => executionArgs(ctx, id, payload, document);
    },
    // Only a subscription's arguments carry a root value (its delivery).
    subscribe: (_ctx, _id, args) =>
      args.rootValue ? (subscribeShared(args) as Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>) : execute(args),
    send: (ctx, message) => frames.write(ctx.extra.socket, textFrameOf(message)),
    onNext: (args) => void deliveryTallyOf(args.document).count++,
  });

  const disposable = bindGraphqlWs<Extra>(
    {
      connectionInitWaitTimeout: config.realtime.connectionInitTimeoutMs,
      execute,
      subscribe: (args) => subscribeShared(args),

      async onConnect(ctx) {
        const token = tokenFromConnectionParams(ctx.connectionParams);
        if (!token) {
          metrics.connectionsRefused.inc({ reason: 'missing-token' });
          return false;
        }
        let viewer: Viewer;
        try {
          viewer = await services.tokens.verify(token);
          await services.users.remember(viewer);
        } catch (error) {
          metrics.connectionsRefused.inc({ reason: 'invalid-token' });
          logger.debug({ reason: (error as Error).message }, 'socket refused');
          return false;
        }
        const connection: Connection = { id: randomUUID(), viewer, cleanup: [] };
        ctx.extra.connection = connection;
        ctx.extra.wsContext = ctx;
        contexts.add(ctx);
        tokenExpiry.watch(ctx.extra.socket, viewer.expiresAt);
        if (config.realtime.singleSession) await enforceSingleSession(ctx.extra.socket, connection, viewer);
        // Presence is best effort: a socket stays usable while Redis is briefly away, and the
        // next heartbeat records it again.
        await presence.connected(viewer.id, connection.id).catch((error: unknown) => {
          logger.warn({ err: error }, 'recording a connection failed');
        });
        metrics.sockets.inc();
        return true;
      },

      onSubscribe(ctx, id, payload) {
        const document = documents.documentOf(payload.query);
        return isErrors(document) ? [...document] : executionArgs(ctx, id, payload, document);
      },

      onNext(_ctx, _id, _payload, args, result) {
        deliveryTallyOf(args.document).count++;
        return result.errors ? publicResult(result) : undefined;
      },

      onError: (_ctx, _id, _payload, errors) => errors.map(publicError),

      async onClose(ctx) {
        const connection = ctx.extra.connection;
        if (!connection) return;
        contexts.delete(ctx);
        tokenExpiry.forget(ctx.extra.socket);
        for (const cleanup of connection.cleanup.splice(0)) cleanup();
        metrics.sockets.dec();
        if (connection.viewer) {
          await presence.disconnected(connection.viewer.id, connection.id).catch((error: unknown) => {
            logger.warn({ err: error }, 'recording a disconnect failed');
          });
        }
      },
    },
    {
      wss,
      frames,
      keepAliveMs: config.realtime.keepAliveMs,
      logger,
      claim: (extra, text) => (extra.wsContext ? claimOperation(extra.wsContext, text) : undefined),
      extraOf: (socket) => ({ socket, connection: undefined, wsContext: undefined }),
    },
  );

  async function enforceSingleSession(socket: WebSocket, connection: Connection, viewer: Viewer) {
    connection.cleanup.push(
      bus.subscribe(topics.user(viewer.id), (event: UserEvent) => {
        if (event.kind === 'session-started' && event.connectionId !== connection.id) {
          socket.close(SocketCloseCode.SessionReplaced, 'Signed in on another device');
        }
      }),
    );
    await bus.publish(topics.user(viewer.id), { kind: 'session-started', connectionId: connection.id });
  }

  return {
    stats() {
      let subscriptions = 0;
      for (const ctx of contexts) subscriptions += Object.keys(ctx.subscriptions).length;
      return { sockets: contexts.size, subscriptions };
    },
    async dispose(code = SocketCloseCode.GoingAway, reason = 'Server shutting down') {
      tokenExpiry.clear();
      for (const client of wss.clients) client.close(code, reason);
      await disposable.dispose();
    },
  };
}

const CLOSING_BRACE = Buffer.from('}');

/**
 * Builds the `next` frames of direct deliveries. Subscribers that chose the same subscription id get
 * the very same frame bytes: the last frame built is reused while the payload and the id stay the
 * same, which a fan-out to every subscriber of an event keeps them.
 */
class NextFrames {
  private last: { payload: Buffer; id: string; frame: Buffer } | undefined;

  frameOf(id: string, prefix: Buffer, payload: Buffer): Buffer {
    const last = this.last;
    if (last !== undefined && last.payload === payload && last.id === id) return last.frame;
    const frame = textFrame(prefix, payload, CLOSING_BRACE);
    this.last = { payload, id, frame };
    return frame;
  }
}

/** One subscription's direct delivery: each payload framed as its `next` message and written to its socket. */
class SocketDelivery implements DirectDelivery {
  /** `{"id":<id>,"type":"next","payload":` */
  private readonly prefix: Buffer;

  constructor(
    private readonly frames: FrameWriter,
    private readonly nextFrames: NextFrames,
    private readonly socket: WebSocket,
    private readonly id: string,
    private readonly tally: Tally,
  ) {
    this.prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  }

  deliver(payload: Buffer): void {
    this.frames.write(this.socket, this.nextFrames.frameOf(this.id, this.prefix, payload));
    this.tally.count++;
  }
}

/** The subscription's direct delivery, carried to graphql-ws's subscribe through the root value. */
interface SocketRoot {
  /** Builds the subscription's direct delivery, when its operation turns out to be shared. */
  delivery: () => DirectDelivery;
}

function isSubscription(document: DocumentNode, operationName: string | null | undefined): boolean {
  return getOperationAST(document, operationName)?.operation === OperationTypeNode.SUBSCRIPTION;
}

/** The operation's first root field: the metrics label of its deliveries. */
function rootFieldOf(document: DocumentNode): string {
  const operation = document.definitions.find((definition) => definition.kind === 'OperationDefinition');
  const first = operation?.kind === 'OperationDefinition' ? operation.selectionSet.selections[0] : undefined;
  return first?.kind === 'Field' ? first.name.value : 'unknown';
}
