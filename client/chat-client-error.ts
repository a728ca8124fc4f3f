import type { GraphQLFormattedError } from 'graphql';
import { ChatCloseCode } from './close-codes.js';

/**
 * What went wrong, for code to branch on: the `extensions.code` of the server's first GraphQL
 * error, or what a failed socket means. `UNKNOWN` marks a GraphQL error without a code.
 */
export type ChatErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'RESYNC_REQUIRED'
  | 'SESSION_REPLACED'
  | 'DISPOSED'
  | 'UNKNOWN'
  | (string & {});

export interface ChatClientErrorOptions {
  code: ChatErrorCode;
  /** Default: none. */
  errors?: readonly GraphQLFormattedError[];
  /** Default: none. */
  closeCode?: number;
  /** Default: none. */
  cause?: unknown;
}

/** Every failure of a chat client operation: GraphQL errors of a result, or the socket's. */
export class ChatClientError extends Error {
  override readonly name = 'ChatClientError';
  readonly code: ChatErrorCode;
  /** The GraphQL errors of the result, each with its `extensions.code`; empty when the socket failed. */
  readonly errors: readonly GraphQLFormattedError[];
  /** The socket's close code when the connection ended the operation (4403: refresh the token). */
  readonly closeCode: number | undefined;

  constructor(message: string, options: ChatClientErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.errors = options.errors ?? [];
    this.closeCode = options.closeCode;
  }

  static fromGraphQLErrors(errors: readonly GraphQLFormattedError[]): ChatClientError {
    const code = errors.find((error) => typeof error.extensions?.code === 'string')?.extensions?.code as string | undefined;
    const message = errors.map((error) => error.message).join('; ') || 'The operation failed.';
    return new ChatClientError(message, { code: code ?? 'UNKNOWN', errors });
  }

  /** Turns whatever graphql-ws hands a sink's `error` (a close event, an error event, GraphQL errors) into one. */
  static from(failure: unknown): ChatClientError {
    if (failure instanceof ChatClientError) return failure;
    if (Array.isArray(failure)) return ChatClientError.fromGraphQLErrors(failure as GraphQLFormattedError[]);
    if (isCloseEvent(failure)) {
      const detail = `${failure.code}${failure.reason ? `: ${failure.reason}` : ''}`;
      switch (failure.code) {
        case ChatCloseCode.Forbidden:
          return new ChatClientError(`The server refused the token (${detail}).`, {
            code: 'UNAUTHENTICATED',
            closeCode: failure.code,
            cause: failure,
          });
        case ChatCloseCode.SessionReplaced:
          return new ChatClientError(`This session was replaced by another login (${detail}).`, {
            code: 'SESSION_REPLACED',
            closeCode: failure.code,
            cause: failure,
          });
        default:
          return new ChatClientError(`The connection closed (${detail}).`, {
            code: 'UNAVAILABLE',
            closeCode: failure.code,
            cause: failure,
          });
      }
    }
    const reason = failure instanceof Error || hasMessage(failure) ? failure.message : '';
    return new ChatClientError(`The connection failed${reason ? `: ${reason}` : ''}.`, { code: 'UNAVAILABLE', cause: failure });
  }
}

export interface CloseEventLike {
  code: number;
  reason: string;
}

export function isCloseEvent(value: unknown): value is CloseEventLike {
  return typeof value === 'object' && value !== null && typeof (value as CloseEventLike).code === 'number' && 'reason' in value;
}

function hasMessage(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
