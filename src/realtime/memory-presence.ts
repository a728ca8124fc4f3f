import type { Presence } from './presence.js';

/** Presence of one process: a user is online while this process holds one of their sockets. */
export function createMemoryPresence(): Presence {
  const connectionsByUser = new Map<string, Set<string>>();
  const isOnline = (userId: string) => connectionsByUser.has(userId);
  return {
    async connected(userId, connectionId) {
      let connections = connectionsByUser.get(userId);
      if (!connections) connectionsByUser.set(userId, (connections = new Set()));
      connections.add(connectionId);
    },
    async disconnected(userId, connectionId) {
      const connections = connectionsByUser.get(userId);
      if (!connections) return;
      connections.delete(connectionId);
      if (connections.size === 0) connectionsByUser.delete(userId);
    },
    async onlineAmong(userIds) {
      return new Set(userIds.filter(isOnline));
    },
    async isOnline(userId) {
      return isOnline(userId);
    },
    localUserCount: () => connectionsByUser.size,
    async close() {
      connectionsByUser.clear();
    },
  };
}
