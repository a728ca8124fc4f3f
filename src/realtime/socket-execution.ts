import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { maskResult } from '../answered-errors.js';
import type { ExecuteOperation } from '../compiled-execution.js';

/** Executes one of a socket's queries or mutations: its result, errors masked. */
export type SocketExecute = (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>;

/**
 * A socket's queries and mutations, run as yoga's pipeline runs them over HTTP (the compiled
 * execution, the errors counted by code, the result masked) without going through envelop's
 * `execute`, which builds a closure for each of its hooks and chains them through promise helpers
 * on every operation: some 16 KB of garbage for each message sent over a socket, a quarter of all
 * it allocates. `countErrors` sees the errors before they are masked, as the metrics plugin does.
 * The pipeline's execute hooks are these and no others (`test/realtime/socket-execution.test.ts`
 * holds the list): a plugin added with another must be added here too.
 */
export function createSocketExecution(executeOperation: ExecuteOperation, countErrors: (errors: ExecutionResult['errors']) => void): SocketExecute {
  const answer = (result: ExecutionResult) => {
    if (result.errors) countErrors(result.errors);
    return maskResult(result);
  };
  return (args) => {
    const result = executeOperation(args);
    return result instanceof Promise ? result.then(answer) : answer(result);
  };
}
