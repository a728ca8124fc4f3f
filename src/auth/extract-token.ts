/**
 * Where a token travels: the `Authorization` header over HTTP, and the connection_init payload's
 * `authorization` field over WebSocket (browsers cannot set headers on a WebSocket upgrade).
 */

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <jwt>` value, or undefined when there is none. */
export function tokenFromAuthorization(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return BEARER.exec(value)?.[1];
}

/** The token of a connection_init payload `{ "authorization": "Bearer <jwt>" }`. */
export function tokenFromConnectionParams(params: unknown): string | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const record = params as Record<string, unknown>;
  return tokenFromAuthorization(record.authorization ?? record.Authorization);
}
