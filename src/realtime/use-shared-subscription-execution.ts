import { isAsyncIterable, mapAsyncIterator, maskError, type Plugin } from 'graphql-yoga';
import {
  Kind,
  createSourceEventStream,
  execute,
  getOperationAST,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
} from 'graphql';

/**
 * The extension a subscription field sets (`extensions: { [SHARED_EXECUTION]: true }`) to say that
 * what its events resolve to cannot depend on who subscribed: no field below it reads the viewer.
 */
export const SHARED_EXECUTION = 'sharedExecution';

/**
 * Where a transport that writes its own frames puts, in a subscription's context value, the
 * function that sends one `next` payload (the execution result, already serialised to JSON as
 * UTF-8 bytes). Shared subscriptions then skip the per-subscriber async iteration and
 * serialisation entirely.
 */
export const DIRECT_DELIVERY = Symbol('directDelivery');
export type DirectDelivery = (payloadJson: Buffer) => void;

type MaybePromise<T> = T | Promise<T>;

/** What one event came to for one (document, variables): its result and, once asked for, its JSON. */
interface SharedOutcome {
  result: MaybePromise<ExecutionResult>;
  json?: MaybePromise<Buffer>;
}

/**
 * Executes each event of a shared subscription once per distinct (document, variables) rather than
 * once per subscriber. A thousand sockets subscribed to one group with the same operation cost one
 * execution per message, and every one of them is handed the same result object; over a transport
 * that takes `DIRECT_DELIVERY`, the same serialised payload too, pushed synchronously as the event
 * arrives.
 *
 * The subscribe step (where membership is checked and the source stream chosen) still runs for
 * each subscriber; only the per-event execution is shared, keyed on the event object itself, which
 * the event bus hands unchanged to every local listener.
 */
export function useSharedSubscriptionExecution(): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const outcomesByEvent = new WeakMap<object, Map<string, SharedOutcome>>();

  const documentId = (document: DocumentNode) => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
    return id;
  };

  const outcomeOf = (event: unknown, key: string, args: ExecutionArgs): SharedOutcome => {
    if (typeof event !== 'object' || event === null) return { result: execute({ ...args, rootValue: event }) };
    let outcomes = outcomesByEvent.get(event);
    if (!outcomes) outcomesByEvent.set(event, (outcomes = new Map()));
    let outcome = outcomes.get(key);
    if (!outcome) outcomes.set(key, (outcome = { result: execute({ ...args, rootValue: event }) }));
    return outcome;
  };

  const jsonOf = (outcome: SharedOutcome): MaybePromise<Buffer> =>
    (outcome.json ??= outcome.result instanceof Promise ? outcome.result.then(serialiseResult) : serialiseResult(outcome.result));

  return {
    onSubscribe({ args, setSubscribeFn }) {
      const variablesKey = sharedVariablesKey(args);
      if (variablesKey === undefined) return;
      const key = `${documentId(args.document)}:${args.operationName ?? ''}:${variablesKey}`;
      setSubscribeFn(async (subscribeArgs) => {
        const source = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(source)) return source;
        const deliver = (subscribeArgs.contextValue as Record<symbol, DirectDelivery | undefined> | undefined)?.[DIRECT_DELIVERY];
        if (deliver && isDrainable(source)) {
          const send = inOrder(deliver);
          return drainedSubscription(source, (event) => send(jsonOf(outcomeOf(event, key, subscribeArgs))));
        }
        return mapAsyncIterator(source, (event) => outcomeOf(event, key, subscribeArgs).result);
      });
    },
  };
}

/** The `next` payload of a result, its errors masked as yoga masks those it sends itself. */
function serialiseResult(result: ExecutionResult): Buffer {
  if (!result.errors?.length) return Buffer.from(JSON.stringify(result));
  return Buffer.from(JSON.stringify({ ...result, errors: result.errors.map((error) => maskError(error, 'Unexpected error.', false)) }));
}

const FAILED_PAYLOAD = Buffer.from(JSON.stringify({ errors: [{ message: 'Unexpected error.' }] }));

/** Delivers payloads in the order they were handed over, whether each is ready or still pending. */
function inOrder(deliver: DirectDelivery): (payload: MaybePromise<Buffer>) => void {
  let tail: Promise<void> | undefined;
  return (payload) => {
    if (!tail && !(payload instanceof Promise)) return deliver(payload);
    const current = (tail ?? Promise.resolve())
      .then(() => payload)
      .then(deliver, () => deliver(FAILED_PAYLOAD));
    tail = current;
    void current.finally(() => {
      if (tail === current) tail = undefined;
    });
  };
}

interface Drainable {
  drain(consumer: (event: unknown) => void): Promise<void>;
  return(): Promise<unknown>;
}

function isDrainable(source: object): source is Drainable {
  return typeof (source as Partial<Drainable>).drain === 'function' && typeof (source as Partial<Drainable>).return === 'function';
}

/**
 * What the transport iterates for a drained subscription: it yields nothing (every event has gone
 * out through DIRECT_DELIVERY already) and settles when the source ends or fails, so completion
 * and errors still reach the client the usual way.
 */
function drainedSubscription(source: Drainable, consume: (event: unknown) => void): AsyncIterableIterator<ExecutionResult> {
  const finished = source.drain(consume).then(() => ({ done: true as const, value: undefined }));
  // Settled by next() when the transport iterates; a subscription completed before that must not
  // leave an unhandled rejection behind.
  finished.catch(() => {});
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => finished,
    async return() {
      await source.return();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await source.return();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * For an operation on a shared field: the values of the variables its selection set reads (the
 * root field's own arguments only choose the source stream, so they do not split the sharing).
 * Undefined when the operation must be executed per subscriber.
 */
function sharedVariablesKey(args: ExecutionArgs): string | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation?.selectionSet.selections[0];
  if (!operation || operation.operation !== 'subscription' || operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD) {
    return undefined;
  }
  const field = args.schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field?.extensions[SHARED_EXECUTION]) return undefined;

  const used = new Set<string>();
  const collect = { Variable: (node: { name: { value: string } }) => void used.add(node.name.value) };
  if (root.directives?.length) visit({ ...root, arguments: [] } satisfies FieldNode, collect);
  if (root.selectionSet) visit(root.selectionSet, collect);
  for (const definition of args.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, collect);
  }
  const values = (args.variableValues ?? {}) as Record<string, unknown>;
  return JSON.stringify([...used].sort().map((name) => [name, values[name]]));
}
