/**
 * Who is online. A user is online while any of their sockets is connected; per-connection
 * bookkeeping lets several devices come and go independently.
 */
export interface Presence {
  connected(userId: string, connectionId: string): Promise<void>;
  disconnected(userId: string, connectionId: string): Promise<void>;
  /** Those of `userIds` that are online. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  isOnline(userId: string): Promise<boolean>;
  /** Users with a socket on this instance. */
  localUserCount(): number;
  close(): Promise<void>;
}
