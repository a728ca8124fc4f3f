import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
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
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { MASKED_ERROR_MESSAGE, maskResult, publicResult } from '../answered-errors.js';
import type { ExecuteOperation } from '../compiled-execution.js';
import type { StreamConsumer } from './event-stream.js';

/**
 * The extension a subscription field sets (`extensions: { [SHARED_EXECUTION]: true }`) to say that
 * what its events resolve to cannot depend on who subscribed: no field below it reads the viewer.
 */
export const SHARED_EXECUTION = 'sharedExecution';

/** Sends one subscription's `next` payloads: each the execution result, already serialised to JSON as UTF-8 bytes. */
export interface DirectDelivery {
  deliver(payloadJson: Buffer): void;
}

type MaybePromise<T> = T | Promise<T>;
/** What decides whether, and how, an operation is shared: no context or root value. */
type OperationArgs = Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>;
type SubscribeResult = ExecutionResult | AsyncIterableIterator<ExecutionResult>;

/** The execution arguments of one shared (document, variables), kept while anyone subscribes with them. */
interface SharedOperation {
  key: string;
  args: ExecutionArgs;
  subscribers: number;
  /** The event this turn last delivered to the operation's direct subscribers, or NO_EVENT (see `TurnPayloads`). */
  event: unknown;
  /** What that event came to, serialised. */
  payload: MaybePromise<Buffer> | undefined;
}

const NO_EVENT = Symbol('no event');

export interface SharedSubscriptions {
  /**
   * The envelop plugin, for transports that iterate results (yoga's own SSE): each event is
   * executed once per distinct (document, variables), and every subscriber is handed the result.
   */
  plugin: Plugin;
  /**
   * For a transport that writes its own frames: subscribes to a shared operation and pushes each
   * event's serialised payload, as it arrives, to the delivery that `delivery()` builds (called
   * only for shared operations), with no per-subscriber iteration, execution or serialisation.
   * What it answers yields nothing and settles when the subscription ends (completes, or rejects
   * with the error to send), so completion and errors still go out the usual way. Undefined when
   * the operation is not shared. The subscriber's context is not kept once it has subscribed: only
   * the first subscriber's arguments of each operation are.
   */
  subscribeDirect(args: ExecutionArgs, delivery: () => DirectDelivery): Promise<SubscribeResult> | undefined;
  /** Whether `subscribeDirect` would take the operation: it is a subscription to a shared field. */
  isShared(args: OperationArgs): boolean;
}

/**
 * Shared execution of subscription events: a thousand sockets subscribed to one group with the
 * same operation cost one execution (and one serialisation) per message, not a thousand.
 *
 * The subscribe step (where membership is checked and the source stream chosen) still runs for
 * each subscriber; only the per-event work is shared, keyed on the event object itself, which the
 * event bus hands unchanged to every local listener.
 */
export function createSharedSubscriptions(executeOperation: ExecuteOperation = execute): SharedSubscriptions {
  const shapes = new SharedShapes();
  const outcomes = new SharedOutcomes(executeOperation);
  const payloads = new TurnPayloads(executeOperation);
  const operations = new Map<string, SharedOperation>();

  const keyOf = (args: OperationArgs): string | undefined => {
    const shape = shapes.of(args);
    if (!shape) return undefined;
    const values = (args.variableValues ?? {}) as Record<string, unknown>;
    return `${shape.documentId}:${args.operationName ?? ''}:${JSON.stringify(shape.variables.map((name) => [name, values[name]]))}`;
  };

  /** Registers a subscriber of `key`; answers the operation's shared arguments and the release. */
  const join = (key: string, args: ExecutionArgs) => {
    let operation = operations.get(key);
    if (!operation) {
      const { schema, document, operationName, variableValues, contextValue } = args;
      const sharedArgs = { schema, document, operationName, variableValues, contextValue };
      operations.set(key, (operation = { key, args: sharedArgs, subscribers: 0, event: NO_EVENT, payload: undefined }));
    }
    operation.subscribers++;
    const shared = operation;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--shared.subscribers === 0 && operations.get(key) === shared) operations.delete(key);
    };
    return { shared, release };
  };

  return {
    plugin: {
      onSubscribe({ args, setSubscribeFn }) {
        const key = keyOf(args);
        if (key === undefined) return;
        setSubscribeFn(async (subscribeArgs) => {
          const source = await createSourceEventStream(subscribeArgs);
          if (!isAsyncIterable(source)) return source;
          return mapAsyncIterator(source, (event) => outcomes.resultOf(event, key, subscribeArgs));
        });
      },
    },

    isShared(args) {
      return shapes.of(args) !== undefined;
    },

    subscribeDirect(args, delivery) {
      const key = keyOf(args);
      if (key === undefined) return undefined;
      return (async () => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return maskResult(source);
        const { shared, release } = join(key, args);
        return drainedSubscription(source, new DirectSubscriber(payloads, shared, delivery()), release);
      })();
    },
  };
}

/** The `next` payload of a result, its errors masked and in the form HTTP answers them in. */
function serialiseResult(result: ExecutionResult): Buffer {
  return Buffer.from(JSON.stringify(publicResult(result)));
}

/**
 * The operation's arguments with `rootValue` as its root value. Not `{ ...args, rootValue }`: in
 * the V8 of Node 20 an object spread followed by a property the source lacks takes a slow path
 * whose objects are promoted to the old generation even when they die at once.
 */
function withRootValue(args: ExecutionArgs, rootValue: unknown): ExecutionArgs {
  return Object.assign({}, args, { rootValue });
}

const FAILED_PAYLOAD = Buffer.from(JSON.stringify({ errors: [{ message: MASKED_ERROR_MESSAGE }] }));

/**
 * What each event came to for each shared (document, variables), for the subscribers that iterate
 * results: executed once whoever asks. The event bus hands one event object to every local listener
 * in a single synchronous dispatch, and each iterator maps it in a reaction of its own, within the
 * same turn of the event loop; so the outcomes are kept only until the end of the turn. A
 * subscriber that reads an event later (its stream held it back) has it executed again.
 *
 * Each turn's outcomes are in a map of their own, dropped when the turn ends, never in a
 * long-lived table: the young-generation collector keeps alive whatever an old object points to,
 * even a table that is garbage or a WeakMap entry whose key has died, until the next full
 * collection. Results and JSON held that way outlived two young collections, were promoted to the
 * old generation, and made full collections come more often.
 */
class SharedOutcomes {
  /** This turn's results by event, then by operation key, or undefined when none was asked for yet. */
  private byEvent: Map<object, Map<string, MaybePromise<ExecutionResult>>> | undefined;
  private readonly forgetTurn = () => {
    this.byEvent = undefined;
  };

  constructor(private readonly executeOperation: ExecuteOperation) {}

  resultOf(event: unknown, key: string, args: ExecutionArgs): MaybePromise<ExecutionResult> {
    if (typeof event !== 'object' || event === null) return this.executeOperation(withRootValue(args, event));
    let byEvent = this.byEvent;
    if (!byEvent) {
      this.byEvent = byEvent = new Map();
      setImmediate(this.forgetTurn);
    }
    let results = byEvent.get(event);
    if (!results) byEvent.set(event, (results = new Map()));
    let result = results.get(key);
    if (result === undefined) results.set(key, (result = this.executeOperation(withRootValue(args, event))));
    return result;
  }
}

/**
 * What each event came to for each shared operation on the direct path: executed and serialised
 * once, for the first of the operation's subscribers the event reaches, and kept on the operation
 * for the others. A dispatch hands an event to every local listener in one synchronous loop, so
 * the operation's subscribers meet it one after the other and one slot per operation suffices, with
 * no table per event. The slots are emptied when the turn of the event loop ends, as the outcomes
 * above are dropped and for the same reason; a subscriber whose stream held an event back, and
 * reads it after a later one, has it executed again.
 */
class TurnPayloads {
  /** The operations whose slot holds an event of this turn. */
  private readonly filled: SharedOperation[] = [];
  private readonly forgetTurn = () => {
    for (const operation of this.filled) {
      operation.event = NO_EVENT;
      operation.payload = undefined;
    }
    this.filled.length = 0;
  };

  constructor(private readonly executeOperation: ExecuteOperation) {}

  payloadOf(operation: SharedOperation, event: unknown): MaybePromise<Buffer> {
    if (operation.event === event) return operation.payload!;
    const result = this.executeOperation(withRootValue(operation.args, event));
    const payload = result instanceof Promise ? result.then(serialiseResult) : serialiseResult(result);
    if (operation.event === NO_EVENT) {
      if (this.filled.length === 0) setImmediate(this.forgetTurn);
      this.filled.push(operation);
    }
    operation.event = event;
    operation.payload = payload;
    return payload;
  }
}

/**
 * One subscriber of a shared operation on the direct path: hands the payload each event came to
 * (the same bytes for every subscriber of the operation) to its delivery, in the order the events
 * came, whether each payload is ready or still pending. One object per subscriber, reached once per
 * event: the hot path of a fan-out.
 */
class DirectSubscriber implements StreamConsumer<unknown> {
  /** The last payload still pending; later ones wait for it. */
  private tail: Promise<void> | undefined;

  constructor(
    private readonly payloads: TurnPayloads,
    private readonly operation: SharedOperation,
    private readonly delivery: DirectDelivery,
  ) {}

  accept(event: unknown): void {
    const payload = this.payloads.payloadOf(this.operation, event);
    if (!this.tail && !(payload instanceof Promise)) return this.delivery.deliver(payload);
    const current = (this.tail ?? Promise.resolve())
      .then(() => payload)
      .then(
        (json) => this.delivery.deliver(json),
        () => this.delivery.deliver(FAILED_PAYLOAD),
      );
    this.tail = current;
    void current.finally(() => {
      if (this.tail === current) this.tail = undefined;
    });
  }
}

interface Drainable {
  drain(consumer: StreamConsumer<unknown>): Promise<void>;
  return(): Promise<unknown>;
}

function isDrainable(source: object): source is Drainable {
  return typeof (source as Partial<Drainable>).drain === 'function' && typeof (source as Partial<Drainable>).return === 'function';
}

/** Any other event source is read in a loop into the same consumer: one promise per event, still one execution. */
function pumpable(source: AsyncIterable<unknown>): Drainable {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async drain(consumer) {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) consumer.accept(next.value);
    },
    return: async () => iterator.return?.(),
  };
}

/**
 * What the transport iterates for a drained subscription: it yields nothing (every event has gone
 * out through the transport's delivery already) and settles when the source ends or fails, so
 * completion and errors still reach the client the usual way.
 */
function drainedSubscription(events: AsyncIterable<unknown>, consumer: StreamConsumer<unknown>, onEnd: () => void): AsyncIterableIterator<ExecutionResult> {
  const source = isDrainable(events) ? events : pumpable(events);
  const drained = source.drain(consumer);
  void drained.then(onEnd, onEnd);
  return new DrainedSubscription(source, drained.then(toDone));
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
// Module-level, so that a subscriber's promises hold no callbacks of their own.
const toDone = () => DONE;
const ignore = () => {};

/** One per subscriber: a class, so that it holds two fields rather than a closure per method. */
class DrainedSubscription implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: Drainable,
    private readonly finished: Promise<IteratorReturnResult<undefined>>,
  ) {
    // Settled by next() when the transport iterates; a subscription completed before that must not
    // leave an unhandled rejection behind.
    finished.catch(ignore);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.finished;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** How a shared operation is keyed: its document's number, and the variables its selection set reads, sorted. */
interface SharedShape {
  documentId: number;
  variables: readonly string[];
}

/**
 * The shape of each (document, operation name), worked out once: documents come from the parse
 * cache, so every socket that subscribes with the same query text asks about the same object.
 */
class SharedShapes {
  private readonly byDocument = new WeakMap<DocumentNode, { schema: GraphQLSchema; id: number; byOperation: Map<string, SharedShape | null> }>();
  private nextDocumentId = 0;

  /** Undefined when the operation must be executed per subscriber. */
  of(args: OperationArgs): SharedShape | undefined {
    let entry = this.byDocument.get(args.document);
    if (!entry || entry.schema !== args.schema) {
      entry = { schema: args.schema, id: entry?.id ?? this.nextDocumentId++, byOperation: new Map() };
      this.byDocument.set(args.document, entry);
    }
    const name = args.operationName ?? '';
    let shape = entry.byOperation.get(name);
    if (shape === undefined) {
      const operation = getOperationAST(args.document, args.operationName);
      // A name the document does not define is refused by validation; it is not remembered.
      if (!operation) return undefined;
      const variables = sharedVariables(args.schema, args.document, operation);
      shape = variables ? { documentId: entry.id, variables } : null;
      entry.byOperation.set(name, shape);
    }
    return shape ?? undefined;
  }
}

/**
 * For an operation on a shared field: the variables its selection set reads (the root field's own
 * arguments only choose the source stream, so they do not split the sharing). Undefined when the
 * operation must be executed per subscriber.
 */
function sharedVariables(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): string[] | undefined {
  const root = operation.selectionSet.selections[0];
  if (operation.operation !== 'subscription' || operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD) {
    return undefined;
  }
  const field = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field?.extensions[SHARED_EXECUTION]) return undefined;

  const used = new Set<string>();
  const collect = { Variable: (node: { name: { value: string } }) => void used.add(node.name.value) };
  if (root.directives?.length) visit({ ...root, arguments: [] } satisfies FieldNode, collect);
  if (root.selectionSet) visit(root.selectionSet, collect);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, collect);
  }
  return [...used].sort();
}
