import type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
import { getOperationAST, print, type DocumentNode } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult, type SubscribePayload } from 'graphql-ws';
import { ChatClientError } from './chat-client-error.js';
import {
  NewMessageDocument,
  SendMessageDocument,
  type MessageFieldsFragment,
  type NewMessageSubscription,
  type NewMessageSubscriptionVariables,
  type SendMessageInput,
  type SendMessageMutation,
} from './generated/graphql.js';
import { watchPongs } from './pong-watchdog.js';
import { createReconnectPolicy } from './reconnect-policy.js';

/** A JWT, or a function returning a current one (called again on every reconnect). */
export type TokenSource = string | (() => string | Promise<string>);

export interface ChatClientOptions {
  /** The gateway's `/graphql` URL; an http(s) URL is read as the ws(s) one of the same endpoint. */
  url: string;
  /**
   * The JWT. Pass a function to have a refreshed token used on reconnects: it is called on every
   * connection, and once more when the server refuses a token (4403) before the error surfaces.
   */
  token: TokenSource;
  /** The WebSocket constructor; default the global one (browsers, Node 22+). On Node 20 pass `ws`. */
  webSocketImpl?: unknown;
  /** Reconnects after a drop before pending operations fail with `UNAVAILABLE`; default 10. */
  retryAttempts?: number;
  /** First reconnect delay in milliseconds, doubled on each further attempt, with jitter; default 1000. */
  retryDelayMs?: number;
  /** Longest reconnect delay in milliseconds; default 30000. */
  maxRetryDelayMs?: number;
  /** Interval of keep-alive pings in milliseconds, 0 for none; default 30000. */
  keepAliveMs?: number;
  /** How long a ping may go unanswered before the socket counts as dropped; default 10000. */
  pongTimeoutMs?: number;
  /**
   * How long the socket stays open after the last operation ends, in milliseconds; default 3000.
   * Without it, a burst of queries would open a socket each and the user would flicker online.
   * In Node, a pending idle close keeps the process alive for at most this long.
   */
  idleTimeoutMs?: number;
  /** How long the server may take to accept the connection before it is retried; default 10000. */
  connectionAckTimeoutMs?: number;
  /** Receives failures of subscriptions started without an `error` handler; default console.error. */
  onUnhandledError?: (error: ChatClientError) => void;
  /**
   * How often `sendMessage` sends a message whose outcome is unknown (`UNAVAILABLE`: the socket
   * dropped with it under way, or the gateway could not confirm it), counting the first time;
   * default 3. Each resend carries the same clientMessageId, so the gateway answers the message
   * if it was sent and never delivers it twice.
   */
  sendAttempts?: number;
  /**
   * How long after the first attempt `sendMessage` still sends again, in milliseconds; default
   * 60000. Keep it well inside the gateway's `SEND_RETRY_WINDOW_MS` (10 minutes by default).
   */
  sendRetryForMs?: number;
}

type AnyDocument = TypedDocumentNode<any, any>;

/** Variables may be left out when the operation has none, or only optional ones. */
export type VariablesArgs<D extends AnyDocument> = {} extends VariablesOf<D>
  ? [variables?: VariablesOf<D>]
  : [variables: VariablesOf<D>];

export type VariablesParam<D extends AnyDocument> = {} extends VariablesOf<D> ? VariablesOf<D> | undefined : VariablesOf<D>;

export interface SubscriptionHandlers<TData> {
  next(data: TData): void;
  /** Called once when the subscription fails; default the client's `onUnhandledError`. */
  error?(error: ChatClientError): void;
  /** Called once when the subscription ends without failing: the server ended it, or dispose(). */
  complete?(): void;
}

export interface NewMessageOptions {
  /** Start after this `Message.cursor`, replaying what came since; default: only new messages. */
  after?: string;
  /** Called once when the subscription fails; default the client's `onUnhandledError`. */
  error?: (error: ChatClientError) => void;
  /** Called once when it ends without failing: the viewer left the group, or dispose(). */
  complete?: () => void;
}

export interface ChatClient {
  /** Runs a query over the socket; rejects with a ChatClientError carrying the GraphQL errors. */
  query<D extends AnyDocument>(document: D, ...variables: VariablesArgs<D>): Promise<ResultOf<D>>;
  /**
   * Runs a mutation over the socket. Unlike queries, a mutation in flight when the socket drops is
   * not sent again (it may have been applied): it fails with `UNAVAILABLE`.
   */
  mutate<D extends AnyDocument>(document: D, ...variables: VariablesArgs<D>): Promise<ResultOf<D>>;
  /**
   * Starts a subscription; returns the function that ends it. After a reconnect it starts again
   * with the same variables (onNewMessage also moves its cursor along).
   */
  subscribe<D extends AnyDocument>(document: D, variables: VariablesParam<D>, handlers: SubscriptionHandlers<ResultOf<D>>): () => void;
  /** A subscription as an async iterator; breaking out of the loop ends it. */
  iterate<D extends AnyDocument>(document: D, ...variables: VariablesArgs<D>): AsyncIterableIterator<ResultOf<D>>;
  /**
   * `sendMessage`, answering its payload: the ack. A message without a clientMessageId is given
   * one; a send whose outcome is unknown is sent again with it (see `sendAttempts`), so the
   * answer is the message sent once, or the last failure.
   */
  sendMessage(input: SendMessageInput): Promise<SendMessageMutation['sendMessage']>;
  /**
   * New messages of one group, or of all the viewer's groups with `groupId` null. After a reconnect
   * the subscription resumes after the last message delivered, so none is missed or repeated.
   */
  onNewMessage(groupId: string | null, handler: (message: MessageFieldsFragment) => void, options?: NewMessageOptions): () => void;
  /** Socket lifecycle events (`connected`, `closed`…), e.g. for a connection indicator. */
  on: Client['on'];
  /** Drops the socket at once and reconnects: for sockets stuck without a close event. */
  terminate(): void;
  /** Ends every operation and closes the socket; the client cannot be used afterwards. */
  dispose(): Promise<void>;
}

/** A typed GraphQL client of the chat gateway over one graphql-ws socket, opened on first use. */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const keepAliveMs = options.keepAliveMs ?? 30_000;
  const onUnhandledError = options.onUnhandledError ?? ((error: ChatClientError) => console.error(error));
  const sendAttempts = options.sendAttempts ?? 3;
  const sendRetryForMs = options.sendRetryForMs ?? 60_000;
  const policy = createReconnectPolicy({
    retryDelayMs: options.retryDelayMs,
    maxRetryDelayMs: options.maxRetryDelayMs,
    canRefreshToken: typeof options.token === 'function',
  });

  /** Ends each operation in flight, for dispose(). */
  const active = new Set<() => void>();
  /** Mutations in flight, failed when the socket they may have been sent on closes. */
  const mutations = new Set<{ sent: boolean; fail: (closeEvent: unknown) => void }>();
  let connected = false;
  let disposed = false;

  const client = createClient({
    url: toWebSocketUrl(options.url),
    webSocketImpl: options.webSocketImpl === undefined ? undefined : quietWhenAbandoned(options.webSocketImpl),
    lazy: true,
    lazyCloseTimeout: options.idleTimeoutMs ?? 3000,
    keepAlive: keepAliveMs,
    connectionAckWaitTimeout: options.connectionAckTimeoutMs ?? 10_000,
    retryAttempts: options.retryAttempts ?? 10,
    connectionParams: async () => ({ authorization: `Bearer ${await currentToken(options.token)}` }),
    shouldRetry: policy.shouldRetry,
    retryWait: async (retries) => {
      if (!disposed) await policy.retryWait(retries);
      // Dropping the pending operations lets graphql-ws give up rather than open one more socket.
      if (disposed) for (const stop of [...active]) stop();
    },
    on: {
      connected: () => {
        connected = true;
        policy.connected();
        for (const mutation of mutations) mutation.sent = true;
      },
      closed: (event) => {
        connected = false;
        for (const mutation of [...mutations]) if (mutation.sent) mutation.fail(event);
      },
    },
  });
  const stopWatchingPongs = keepAliveMs > 0 ? watchPongs(client, options.pongTimeoutMs ?? 10_000) : () => {};

  const disposedError = () => new ChatClientError('The chat client is disposed.', { code: 'DISPOSED' });

  /** graphql-ws's subscribe, with failures as ChatClientErrors and the operation tracked for dispose(). */
  function run<TData>(
    payload: SubscribePayload,
    sink: { next(result: FormattedExecutionResult<TData, unknown>): void; error(error: ChatClientError): void; complete(): void },
  ): () => void {
    if (disposed) {
      queueMicrotask(() => sink.error(disposedError()));
      return () => {};
    }
    const stop: () => void = client.subscribe<TData>(payload, {
      next: (result) => sink.next(result),
      error: (failure) => {
        active.delete(stop);
        sink.error(ChatClientError.from(failure));
      },
      complete: () => {
        active.delete(stop);
        sink.complete();
      },
    });
    active.add(stop);
    return () => {
      active.delete(stop);
      stop();
    };
  }

  function execute<D extends AnyDocument>(document: D, variables: unknown, kind: 'query' | 'mutation'): Promise<ResultOf<D>> {
    return new Promise<ResultOf<D>>((resolve, reject) => {
      const operation = describe(document);
      if (operation.kind !== kind) {
        throw new TypeError(`${operation.operationName ?? 'The operation'} is a ${operation.kind}, not a ${kind}.`);
      }
      let settled = false;
      const mutation = {
        sent: connected,
        fail: (closeEvent: unknown) => settle(() => reject(disposed ? disposedError() : ChatClientError.from(closeEvent)), true),
      };
      const settle = (action: () => void, stopNow = false) => {
        if (settled) return;
        settled = true;
        mutations.delete(mutation);
        if (stopNow) stop();
        action();
      };
      if (kind === 'mutation') mutations.add(mutation);
      const stop = run<ResultOf<D>>(payloadOf(operation, variables), {
        next: (result) =>
          settle(() => {
            if (result.errors?.length) reject(ChatClientError.fromGraphQLErrors(result.errors));
            else resolve(result.data as ResultOf<D>);
          }),
        error: (error) => settle(() => reject(error)),
        complete: () =>
          settle(() =>
            reject(disposed ? disposedError() : new ChatClientError('The operation ended without a result.', { code: 'UNAVAILABLE' })),
          ),
      });
    });
  }

  function subscribeTo<TData>(payload: SubscribePayload, handlers: SubscriptionHandlers<TData>): () => void {
    let finished = false;
    const fail = (error: ChatClientError) => (handlers.error ?? onUnhandledError)(error);
    const stop = run<TData>(payload, {
      next: (result) => {
        if (finished) return;
        if (result.errors?.length) {
          finished = true;
          stop();
          fail(ChatClientError.fromGraphQLErrors(result.errors));
        } else if (result.data != null) {
          handlers.next(result.data);
        }
      },
      error: (error) => {
        if (finished) return;
        finished = true;
        fail(error);
      },
      complete: () => {
        if (finished) return;
        finished = true;
        handlers.complete?.();
      },
    });
    return () => {
      finished = true;
      stop();
    };
  }

  function iterateOver<TData>(payload: SubscribePayload): AsyncIterableIterator<TData> {
    const buffered: TData[] = [];
    let ended = false;
    let failure: ChatClientError | undefined;
    const waiters: Array<() => void> = [];
    const wake = () => {
      for (const resolve of waiters.splice(0)) resolve();
    };
    const stop = subscribeTo<TData>(payload, {
      next: (data) => {
        buffered.push(data);
        wake();
      },
      error: (error) => {
        failure = error;
        ended = true;
        wake();
      },
      complete: () => {
        ended = true;
        wake();
      },
    });
    const iterator: AsyncIterableIterator<TData> = {
      async next() {
        while (buffered.length === 0 && !ended) await new Promise<void>((resolve) => waiters.push(resolve));
        if (buffered.length > 0) return { done: false, value: buffered.shift() as TData };
        if (failure) {
          const error = failure;
          failure = undefined;
          throw error;
        }
        return { done: true, value: undefined };
      },
      // Settles at once even while a next() is pending, unlike an async generator's return().
      async return() {
        ended = true;
        buffered.length = 0;
        stop();
        wake();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return {
    query: (document, ...[variables]) => execute(document, variables, 'query'),
    mutate: (document, ...[variables]) => execute(document, variables, 'mutation'),
    subscribe: (document, variables, handlers) => subscribeTo(payloadOf(describe(document), variables), handlers),
    iterate: (document, ...[variables]) => iterateOver(payloadOf(describe(document), variables)),

    async sendMessage(input) {
      const once = { ...input, clientMessageId: input.clientMessageId ?? newClientMessageId() };
      const started = Date.now();
      for (let attempt = 1; ; attempt++) {
        try {
          return (await execute(SendMessageDocument, { input: once }, 'mutation')).sendMessage;
        } catch (error) {
          const again =
            error instanceof ChatClientError &&
            error.code === 'UNAVAILABLE' &&
            attempt < sendAttempts &&
            !disposed &&
            Date.now() - started < sendRetryForMs;
          if (!again) throw error;
          await policy.resendWait(attempt);
        }
      }
    },

    onNewMessage(groupId, handler, newMessageOptions = {}) {
      const variables: NewMessageSubscriptionVariables = { groupId, after: newMessageOptions.after ?? null };
      // graphql-ws sends this same payload again on every reconnect: moving `after` along makes
      // the resubscription replay exactly what was missed while the socket was down. Across all
      // groups that takes the latest cursor of each group, as positions are per group.
      const latestByGroup = new Map<string, string>();
      if (groupId === null && newMessageOptions.after) {
        for (const cursor of newMessageOptions.after.split(',')) latestByGroup.set(`given:${cursor}`, cursor);
      }
      const payload = payloadOf(describe(NewMessageDocument), variables);
      return subscribeTo<NewMessageSubscription>(payload, {
        next: ({ newMessage }) => {
          if (groupId === null) {
            latestByGroup.set(newMessage.groupId, newMessage.cursor);
            variables.after = [...latestByGroup.values()].join(',');
          } else {
            variables.after = newMessage.cursor;
          }
          handler(newMessage);
        },
        error: newMessageOptions.error,
        complete: newMessageOptions.complete,
      });
    },

    on: client.on,
    terminate: () => client.terminate(),

    async dispose() {
      if (disposed) return;
      disposed = true;
      policy.cancel();
      stopWatchingPongs();
      // Rejects when the connection attempt it would wait for was abandoned: nothing is left to close.
      await Promise.resolve(client.dispose()).catch(() => {});
    },
  };
}

type WebSocketClass = new (...args: any[]) => { on?: (event: 'error', listener: () => void) => unknown };

/**
 * `impl` with each socket's error events always heard. graphql-ws, terminated while a socket is still
 * connecting, closes it and stops listening to it; `ws` reports that close as an error event a tick
 * later, and an error event nobody listens to is thrown (an uncaught exception that ends a Node
 * process). Browsers' sockets are not emitters: they are left as they are.
 */
function quietWhenAbandoned(impl: unknown): unknown {
  const Socket = impl as WebSocketClass;
  if (typeof Socket !== 'function' || typeof Socket.prototype?.on !== 'function') return impl;
  return class extends Socket {
    constructor(...args: any[]) {
      super(...args);
      // graphql-ws hears errors through onerror while it cares; this only keeps an unheard one from throwing.
      this.on!('error', () => {});
    }
  };
}

/** A random id for a message; `randomUUID` is missing from pages served over plain http. */
function newClientMessageId(): string {
  const { crypto } = globalThis;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** http(s) → ws(s), so one URL serves both the HTTP endpoint and the socket. */
export function toWebSocketUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`The chat client needs an http(s) or ws(s) URL, got "${parsed.protocol}".`);
  }
  return parsed.toString();
}

async function currentToken(source: TokenSource): Promise<string> {
  if (typeof source === 'string') return source;
  try {
    return await source();
  } catch (error) {
    // Surfaces as the operation's error: retrying would only call a failing provider again.
    throw new ChatClientError('The token provider failed.', { code: 'UNAUTHENTICATED', cause: error });
  }
}

interface DescribedOperation {
  query: string;
  operationName: string | undefined;
  kind: 'query' | 'mutation' | 'subscription';
}

const described = new WeakMap<DocumentNode, DescribedOperation>();

/** The printed operation of a document, printed once per document. */
function describe(document: DocumentNode): DescribedOperation {
  let operation = described.get(document);
  if (!operation) {
    const definition = getOperationAST(document);
    if (!definition) throw new TypeError('The document must hold exactly one operation.');
    operation = { query: print(document), operationName: definition.name?.value, kind: definition.operation };
    described.set(document, operation);
  }
  return operation;
}

function payloadOf(operation: DescribedOperation, variables: unknown): SubscribePayload {
  return {
    query: operation.query,
    operationName: operation.operationName ?? null,
    variables: (variables ?? {}) as Record<string, unknown>,
  };
}
