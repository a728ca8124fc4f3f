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
} from 'graphql';

/**
 * The extension a subscription field sets (`extensions: { [SHARED_EXECUTION]: true }`) to say that
 * what its events resolve to cannot depend on who subscribed: no field below it reads the viewer.
 */
export const SHARED_EXECUTION = 'sharedExecution';

type MaybePromise<T> = T | Promise<T>;

/**
 * Executes each event of a shared subscription once per distinct (document, variables) rather than
 * once per subscriber. A thousand sockets subscribed to one group with the same operation cost one
 * execution per message, and every one of them is handed the same result object.
 *
 * The subscribe step (where membership is checked and the source stream chosen) still runs for
 * each subscriber; only the per-event execution is shared, keyed on the event object itself, which
 * the event bus hands unchanged to every local listener.
 */
export function useSharedSubscriptionExecution(): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const resultsByEvent = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();

  const documentId = (document: DocumentNode) => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
    return id;
  };

  const executeOnce = (event: unknown, key: string, args: ExecutionArgs): MaybePromise<ExecutionResult> => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let results = resultsByEvent.get(event);
    if (!results) resultsByEvent.set(event, (results = new Map()));
    let result = results.get(key);
    if (result === undefined) {
      result = execute({ ...args, rootValue: event });
      results.set(key, result);
    }
    return result;
  };

  return {
    onSubscribe({ args, setSubscribeFn }) {
      const variablesKey = sharedVariablesKey(args);
      if (variablesKey === undefined) return;
      const key = `${documentId(args.document)}:${args.operationName ?? ''}:${variablesKey}`;
      setSubscribeFn(async (subscribeArgs) => {
        const source = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(source)) return source;
        return mapAsyncIterator(source, (event) => executeOnce(event, key, subscribeArgs));
      });
    },
  };
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
