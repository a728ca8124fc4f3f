import { execute, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Executes an operation's selection set, as graphql-js `execute` does. */
export type ExecuteOperation = (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>;

/**
 * Runs operations as JavaScript that graphql-jit compiles once per schema, document and operation
 * name, instead of graphql-js walking the selection set, coercing arguments and building resolve
 * info on every execution (about ten times faster for a message). Documents are the parsed,
 * validated ones yoga caches, so each is compiled once however often it is sent. An operation
 * graphql-jit cannot compile runs on graphql-js, and `onCompileError` hears of it once.
 *
 * One difference from graphql-js: a field without a resolver reads its parent's property and does
 * not call it when it is a function. The gateway's sources are plain data.
 */
export function createCompiledExecution(onCompileError?: (errors: readonly unknown[]) => void): ExecuteOperation {
  const compiledBySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CompiledQuery | null>>>();

  const compiledOf = (args: ExecutionArgs): CompiledQuery | null => {
    let byDocument = compiledBySchema.get(args.schema);
    if (!byDocument) compiledBySchema.set(args.schema, (byDocument = new WeakMap()));
    let byName = byDocument.get(args.document);
    if (!byName) byDocument.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    let compiled = byName.get(name);
    if (compiled === undefined) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      compiled = isCompiledQuery(result) ? result : null;
      if (!compiled) onCompileError?.((result as ExecutionResult).errors ?? []);
      byName.set(name, compiled);
    }
    return compiled;
  };

  return (args) => {
    const compiled = compiledOf(args);
    return compiled ? compiled.query(args.rootValue, args.contextValue, args.variableValues) : execute(args);
  };
}

/** The envelop plugin that executes queries and mutations with `execute` (subscriptions choose their own). */
export function useCompiledExecution(executeOperation: ExecuteOperation): Plugin {
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(executeOperation);
    },
  };
}
