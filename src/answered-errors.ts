import type { ExecutionResult, GraphQLError } from 'graphql';
import { maskError } from 'graphql-yoga';
import type { Counter } from 'prom-client';

/** What an unexpected error says instead of its own message: yoga's default. */
export const MASKED_ERROR_MESSAGE = 'Unexpected error.';

/**
 * A result with its errors masked as yoga masks those it sends itself (`maskedErrors: { isDev:
 * false }`): errors raised on purpose (a GraphQLError, with its code) go out as they are, anything
 * else as "Unexpected error." with nothing of its message, stack or cause.
 */
export function maskResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map((error) => maskError(error, MASKED_ERROR_MESSAGE, false) as GraphQLError) };
}

/** Counts a result's errors by their code; one without a code (an unexpected one) as INTERNAL. */
export function countErrors(counter: Counter<'code'>, errors: readonly { extensions?: Record<string, unknown> }[] | undefined): void {
  for (const error of errors ?? []) counter.inc({ code: String(error.extensions?.code ?? 'INTERNAL') });
}
