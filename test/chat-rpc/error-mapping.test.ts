import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isRetryable, toApiError } from '../../src/chat-rpc/error-mapping.js';

const grpcError = (code: status, details: string): ServiceError =>
  Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });

const codeOf = (error: Error) => (error as Partial<GraphQLError>).extensions?.code;

describe('toApiError', () => {
  it.each([
    [status.UNAVAILABLE, 'UNAVAILABLE'],
    [status.DEADLINE_EXCEEDED, 'UNAVAILABLE'],
    [status.RESOURCE_EXHAUSTED, 'UNAVAILABLE'],
    [status.CANCELLED, 'UNAVAILABLE'],
    [status.NOT_FOUND, 'NOT_FOUND'],
    [status.PERMISSION_DENIED, 'FORBIDDEN'],
    [status.INVALID_ARGUMENT, 'BAD_USER_INPUT'],
    [status.ALREADY_EXISTS, 'BAD_USER_INPUT'],
  ])('maps gRPC code %i to %s, keeping the gRPC error as cause', (code, apiCode) => {
    const cause = grpcError(code, 'Group "g" does not exist.');
    const error = toApiError(cause, 'GetGroup');
    expect(codeOf(error)).toBe(apiCode);
    expect(error.cause).toBe(cause);
  });

  it('passes the service message on for answers, and hides connection details', () => {
    expect(toApiError(grpcError(status.NOT_FOUND, 'Group "g" does not exist.'), 'GetGroup').message).toBe(
      'Group "g" does not exist.',
    );
    const unavailable = toApiError(grpcError(status.UNAVAILABLE, 'connect ECONNREFUSED 10.0.0.7:50051'), 'GetGroup');
    expect(unavailable.message).not.toMatch(/10\.0\.0\.7/);
  });

  it('treats UNKNOWN as UNAVAILABLE only when the connection broke', () => {
    expect(codeOf(toApiError(grpcError(status.UNKNOWN, 'No status information received'), 'GetGroup'))).toBe(
      'UNAVAILABLE',
    );
    expect(codeOf(toApiError(grpcError(status.UNKNOWN, 'Received HTTP status code 502'), 'GetGroup'))).toBe(
      'UNAVAILABLE',
    );
    const bug = toApiError(grpcError(status.UNKNOWN, 'TypeError: x is undefined'), 'GetGroup');
    expect(codeOf(bug)).toBeUndefined();
  });

  it('answers a plain error, masked by yoga, for everything else', () => {
    for (const code of [status.INTERNAL, status.UNIMPLEMENTED, status.UNAUTHENTICATED, status.FAILED_PRECONDITION]) {
      const cause = grpcError(code, 'secret internals');
      const error = toApiError(cause, 'GetGroup');
      expect(error.name).toBe('Error');
      expect(codeOf(error)).toBeUndefined();
      expect(error.cause).toBe(cause);
    }
    const local = new TypeError('boom');
    expect(toApiError(local, 'GetGroup').cause).toBe(local);
  });
});

describe('isRetryable', () => {
  it('retries only UNAVAILABLE and DEADLINE_EXCEEDED', () => {
    expect(isRetryable(grpcError(status.UNAVAILABLE, ''))).toBe(true);
    expect(isRetryable(grpcError(status.DEADLINE_EXCEEDED, ''))).toBe(true);
    expect(isRetryable(grpcError(status.RESOURCE_EXHAUSTED, ''))).toBe(false);
    expect(isRetryable(grpcError(status.NOT_FOUND, ''))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
  });
});
