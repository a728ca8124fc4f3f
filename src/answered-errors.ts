import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
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

/**
 * An error as a client receives it, on every transport: its JSON form without the hints yoga leaves
 * in `extensions` for itself (`http`, the status it answers the error with over HTTP, and
 * `unexpected`, on a masked error). Yoga's HTTP responses leave them out; a socket has no status.
 */
export function publicError(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  const extensions = formatted.extensions;
  if (extensions === undefined || !('http' in extensions || 'unexpected' in extensions)) return formatted;
  const { http: _status, unexpected: _masked, ...own } = extensions;
  const { extensions: _internal, ...withoutExtensions } = formatted;
  return Object.keys(own).length > 0 ? { ...withoutExtensions, extensions: own } : withoutExtensions;
}

/** A result as a client receives it: its errors masked and in their public form. */
export function publicResult(result: ExecutionResult): FormattedExecutionResult {
  if (!result.errors) return result as FormattedExecutionResult;
  const { errors, ...rest } = maskResult(result);
  return { ...rest, errors: errors!.map(publicError) };
}

/** Counts a result's errors by their code; one without a code (an unexpected one) as INTERNAL. */
export function countErrors(counter: Counter<'code'>, errors: readonly { extensions?: Record<string, unknown> }[] | undefined): void {
  for (const error of errors ?? []) counter.inc({ code: String(error.extensions?.code ?? 'INTERNAL') });
}
