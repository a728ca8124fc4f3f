import { status, type ServiceError } from '@grpc/grpc-js';
import type { GraphQLError } from 'graphql';
import { badUserInput, forbidden, notFound, unavailable } from '../errors.js';

/** Codes that say "the service could not answer now", not "the answer is no". */
const unavailableCodes = new Set<status>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.CANCELLED,
]);

/** Of those, the ones where another attempt of an idempotent call may well succeed. */
const retryableCodes = new Set<status>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

/**
 * grpc-js reports some broken connections as UNKNOWN (a stream cut before its status, a proxy's
 * HTTP error page); an UNKNOWN raised by the service's own code is a bug and stays masked.
 */
const connectionFailureDetails =
  /No status information received|Received HTTP status code|Connection dropped|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up/i;

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

export function isRetryable(error: unknown): boolean {
  return isServiceError(error) && retryableCodes.has(error.code);
}

/**
 * Whether a Chat RPC failed because the service does not implement it: the caller may fall back to
 * an older RPC. `error` is what the client rejected with (the gRPC error as its `cause`).
 */
export function isUnimplemented(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return isServiceError(cause) && cause.code === status.UNIMPLEMENTED;
}

export function withCause<E extends Error>(error: E, cause: unknown): E {
  error.cause = cause;
  return error;
}

/**
 * The error a failed Chat RPC surfaces as in the API: NOT_FOUND, FORBIDDEN, BAD_USER_INPUT or
 * UNAVAILABLE with the service's message (written for callers), or a plain Error that yoga masks.
 * The gRPC error stays reachable as `cause`, for logs.
 */
export function toApiError(error: unknown, method: string): GraphQLError | Error {
  if (!isServiceError(error)) return new Error(`Chat RPC ${method} failed`, { cause: error });
  if (unavailableCodes.has(error.code)) return withCause(unavailable(), error);
  switch (error.code) {
    case status.NOT_FOUND:
      return withCause(notFound(error.details), error);
    case status.PERMISSION_DENIED:
      return withCause(forbidden(error.details), error);
    case status.INVALID_ARGUMENT:
    case status.ALREADY_EXISTS:
      return withCause(badUserInput(error.details), error);
    case status.UNKNOWN:
      if (connectionFailureDetails.test(error.details)) return withCause(unavailable(), error);
  }
  return new Error(`Chat RPC ${method} failed with ${status[error.code] ?? error.code}`, { cause: error });
}
