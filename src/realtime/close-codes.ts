import { CloseCode } from 'graphql-ws';

/**
 * Close codes of this service's sockets. graphql-ws's own codes are used where they fit (4403
 * for a missing, bad or expired token: refresh it and reconnect); the private ones are 4000–4099.
 */
export const SocketCloseCode = {
  /** The token is missing, invalid or has expired: get a fresh one, then reconnect. */
  Forbidden: CloseCode.Forbidden,
  /**
   * Another login of the same user replaced this one (only with `SINGLE_SESSION=true`). Clients
   * must not reconnect on their own, or two devices would keep closing each other.
   */
  SessionReplaced: 4001,
  /**
   * The client stopped reading: more than `WS_MAX_BUFFERED_BYTES` waited for it. Reconnect and
   * resubscribe with `after` set to the last cursor received; nothing is lost.
   */
  FellBehind: 4002,
  /** The server is shutting down: reconnect (to another instance) after a short delay. */
  GoingAway: 1001,
  /** The server holds as many sockets as it may: retry later. */
  TryAgainLater: 1013,
} as const;
