/** A user came online (their first device connected) or went offline (their last one left or expired). */
export interface PresenceChange {
  userId: string;
  online: boolean;
  /** When the user was last seen (epoch ms): now when online, their last sign of life when offline. */
  lastSeenAt: number;
}

/**
 * Who is online. A user is online while any of their sockets is connected; per-connection
 * bookkeeping lets several devices come and go independently.
 */
export interface Presence {
  /**
   * Registers a connection of this instance. Presence keeps it alive by itself until
   * `disconnected`; where presence is shared, the connections of an instance that died go
   * offline after a while.
   */
  connected(userId: string, connectionId: string): Promise<void>;
  disconnected(userId: string, connectionId: string): Promise<void>;
  /** Those of `userIds` that are online, in one round trip however many. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  isOnline(userId: string): Promise<boolean>;
  /** When the user was last connected (epoch ms): recent while online; undefined when not known. */
  lastSeen(userId: string): Promise<number | undefined>;
  /** Users with a socket on this instance. */
  localUserCount(): number;
  close(): Promise<void>;
}

/** Receives every online/offline transition, once across all instances. */
export type PresenceListener = (change: PresenceChange) => void;
