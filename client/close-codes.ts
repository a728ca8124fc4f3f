import { CloseCode } from 'graphql-ws';

/**
 * The gateway's socket close codes a client must tell apart. Kept here rather than imported from
 * the server so the client stands alone; test/client checks they still match the server's.
 */
export const ChatCloseCode = {
  /** The token is missing, invalid or has expired: get a fresh one before reconnecting. */
  Forbidden: CloseCode.Forbidden,
  /** Another login of the same user replaced this one: reconnecting would close the other device. */
  SessionReplaced: 4001,
  /** The client stopped reading and fell too far behind: reconnect and resume from the last cursor. */
  FellBehind: 4002,
} as const;
