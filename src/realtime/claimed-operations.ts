import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { MessageType, parseMessage, stringifyMessage, type Context as WsContext, type SubscribePayload } from 'graphql-ws';
import { publicError } from '../answered-errors.js';
import { isErrors } from './validated-documents.js';

type SubscribeResult = ExecutionResult | AsyncIterableIterator<ExecutionResult>;

export interface ClaimedOperationSteps<C extends WsContext> {
  /**
   * Decides at once whether the operation is one to take over (a shared subscription, a query or
   * a mutation), and if so answers how to prepare it (its execution arguments, or the errors that
   * stop it); undefined leaves the message to graphql-ws.
   */
  prepare(ctx: C, id: string, payload: SubscribePayload): (() => ExecutionArgs | readonly GraphQLError[] | Promise<ExecutionArgs | readonly GraphQLError[]>) | undefined;
  /**
   * Runs the operation: a query's or mutation's result, or for a shared subscription (direct
   * delivery) an iterator that yields nothing and settles when the subscription ends.
   */
  subscribe(ctx: C, id: string, args: ExecutionArgs): SubscribeResult | Promise<SubscribeResult>;
  /** Writes one protocol message to the socket. */
  send(ctx: C, message: string): void;
  /** A result sent as `next`: a query's or mutation's, or the errors a subscription answers instead of a stream. */
  onNext?(args: ExecutionArgs): void;
}

/**
 * Subscribe messages handled beside graphql-ws instead of by it: those of shared subscriptions (a
 * socket's `newMessage`, say), queries and mutations (every `sendMessage`). graphql-ws keeps, for
 * each subscription's whole life, its message handler suspended in a `for await` loop: the message
 * and the text it came in, closures to send with, and a promise chain, for every socket. A shared
 * subscription sends its events itself and only needs to hear when it ends, so here it costs its
 * entry in `ctx.subscriptions` (where graphql-ws's `complete` handling and socket close still find
 * it and end it) and one pending reaction. For a query or mutation graphql-ws builds a set of
 * closures and awaits each of its hooks in turn; here it is one function awaiting the preparation
 * and the result. The protocol is graphql-ws's to the letter: the same checks in the same order,
 * the same `next`, `error` and `complete` messages, errors in their public form as the server's
 * graphql-ws hooks send them (`publicError`); anything else is left to graphql-ws, and so is
 * every message that does not parse, comes before the connection is acknowledged or reuses an id.
 */
export function createClaimedOperations<C extends WsContext>(steps: ClaimedOperationSteps<C>) {
  const sendError = (ctx: C, id: string, errors: readonly GraphQLError[]) =>
    steps.send(ctx, stringifyMessage({ id, type: MessageType.Error, payload: errors.map(publicError) }));

  const sendResult = (ctx: C, id: string, result: ExecutionResult) => {
    const { errors, ...rest } = result;
    steps.send(ctx, stringifyMessage({ id, type: MessageType.Next, payload: { ...rest, ...(errors ? { errors: errors.map(publicError) } : {}) } }));
  };

  const complete = (ctx: C, id: string) => steps.send(ctx, stringifyMessage({ id, type: MessageType.Complete }));

  /** Drops the id's entry if it is still this subscription's (the client may since have reused the id). */
  const release = (ctx: C, id: string, entry: unknown) => {
    if (ctx.subscriptions[id] === entry) delete ctx.subscriptions[id];
  };

  const run = async (ctx: C, id: string, prepare: () => ExecutionArgs | readonly GraphQLError[] | Promise<ExecutionArgs | readonly GraphQLError[]>): Promise<void> => {
    let entry: SubscribeResult | null = null;
    try {
      const prepared = await prepare();
      if (isErrors(prepared)) {
        if (id in ctx.subscriptions) sendError(ctx, id, prepared);
        return;
      }
      const result = await steps.subscribe(ctx, id, prepared);
      if (!isAsyncIterator(result)) {
        if (id in ctx.subscriptions) {
          steps.onNext?.(prepared);
          sendResult(ctx, id, result);
          complete(ctx, id);
        }
        return;
      }
      // Completed by the client (or the socket closed) while subscribing.
      if (ctx.subscriptions[id] !== null) {
        await result.return?.();
        return;
      }
      entry = result;
      ctx.subscriptions[id] = result;
      // From here the subscription runs until it ends: no function of this handler stays suspended.
      result.next().then(
        () => {
          if (ctx.subscriptions[id] === result) complete(ctx, id);
          release(ctx, id, result);
        },
        (error: unknown) => {
          // As graphql-ws reports a stream that fails: sent even if the client completed meanwhile.
          const originalError = error instanceof Error ? error : new Error(String(error));
          sendError(ctx, id, [new GraphQLError(originalError.message, { originalError })]);
          release(ctx, id, result);
        },
      );
    } finally {
      if (entry === null) release(ctx, id, null);
    }
  };

  /**
   * Takes a message over if it is a subscribe message `prepare` accepts: answers the handling's
   * promise (settled once a query or mutation is answered, or a subscription set up or refused),
   * or undefined when the message is graphql-ws's to handle.
   */
  return (ctx: C, text: string): Promise<void> | undefined => {
    // Only subscribe messages are taken over: no need to parse the others twice.
    if (!ctx.acknowledged || !text.includes('subscribe')) return undefined;
    let message;
    try {
      message = parseMessage(text);
    } catch {
      return undefined;
    }
    if (message.type !== MessageType.Subscribe || message.id in ctx.subscriptions) return undefined;
    const prepare = steps.prepare(ctx, message.id, message.payload);
    if (!prepare) return undefined;
    ctx.subscriptions[message.id] = null;
    return run(ctx, message.id, prepare);
  };
}

function isAsyncIterator(value: SubscribeResult): value is AsyncIterableIterator<ExecutionResult> {
  return typeof (value as Partial<AsyncIterableIterator<ExecutionResult>>)[Symbol.asyncIterator] === 'function';
}
