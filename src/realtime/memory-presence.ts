import type { Presence, PresenceListener } from './presence.js';

export interface MemoryPresenceOptions {
  /** Told when a user comes online or goes offline. */
  onChange?: PresenceListener;
  /** Users whose last-seen time is remembered, oldest forgotten first; default 100,000. */
  maxRemembered?: number;
}

/** Presence of one process: a user is online while this process holds one of their sockets. */
export function createMemoryPresence(options: MemoryPresenceOptions = {}): Presence {
  const maxRemembered = options.maxRemembered ?? 100_000;
  const connectionsByUser = new Map<string, Set<string>>();
  const lastSeenByUser = new Map<string, number>();
  const isOnline = (userId: string) => connectionsByUser.has(userId);
  const seen = (userId: string, at: number) => {
    lastSeenByUser.delete(userId);
    lastSeenByUser.set(userId, at);
    if (lastSeenByUser.size > maxRemembered) lastSeenByUser.delete(lastSeenByUser.keys().next().value as string);
  };
  return {
    async connected(userId, connectionId) {
      let connections = connectionsByUser.get(userId);
      const cameOnline = !connections;
      if (!connections) connectionsByUser.set(userId, (connections = new Set()));
      connections.add(connectionId);
      seen(userId, Date.now());
      if (cameOnline) options.onChange?.({ userId, online: true, lastSeenAt: Date.now() });
    },
    async disconnected(userId, connectionId) {
      const connections = connectionsByUser.get(userId);
      if (!connections?.delete(connectionId)) return;
      seen(userId, Date.now());
      if (connections.size === 0) {
        connectionsByUser.delete(userId);
        options.onChange?.({ userId, online: false, lastSeenAt: Date.now() });
      }
    },
    async onlineAmong(userIds) {
      return new Set(userIds.filter(isOnline));
    },
    async isOnline(userId) {
      return isOnline(userId);
    },
    async lastSeen(userId) {
      // An online user is being seen right now.
      return connectionsByUser.has(userId) ? Date.now() : lastSeenByUser.get(userId);
    },
    localUserCount: () => connectionsByUser.size,
    async close() {
      connectionsByUser.clear();
    },
  };
}
