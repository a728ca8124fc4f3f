import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

/**
 * The error codes of the public contract, carried in `extensions.code`. Any other error is masked
 * by yoga and reaches the client as "Unexpected error." with nothing internal in it.
 */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  BadUserInput = 'BAD_USER_INPUT',
  RateLimited = 'RATE_LIMITED',
  Unavailable = 'UNAVAILABLE',
  /** A resumed subscription asked for history that is no longer kept anywhere. */
  ResyncRequired = 'RESYNC_REQUIRED',
}

/** HTTP status a request whose only error carries the code should answer with. */
const httpStatusOf: Record<ErrorCode, number> = {
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.BadUserInput]: 400,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.ResyncRequired]: 409,
};

export function apiError(code: ErrorCode, message: string, extra?: Record<string, unknown>): GraphQLError {
  return createGraphQLError(message, {
    extensions: { code, ...extra, http: { status: httpStatusOf[code] } },
  });
}

export const unauthenticated = (message = 'A valid token is required.') =>
  apiError(ErrorCode.Unauthenticated, message);
export const forbidden = (message: string) => apiError(ErrorCode.Forbidden, message);
export const notFound = (message: string) => apiError(ErrorCode.NotFound, message);
export const badUserInput = (message: string, field?: string) =>
  apiError(ErrorCode.BadUserInput, message, field ? { field } : undefined);
export const rateLimited = (message: string, retryAfterMs: number) =>
  apiError(ErrorCode.RateLimited, message, { retryAfterMs });
export const unavailable = (message = 'The service is temporarily unavailable; try again.') =>
  apiError(ErrorCode.Unavailable, message);
