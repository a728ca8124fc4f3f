import type { ChatRpcClient } from '../chat-rpc/chat-client.js';

export interface MembershipCheck {
  isMember(userId: string, groupId: string): Promise<boolean>;
  /** Drops what is known of the membership, holds included: call it when the user leaves. */
  forget(userId: string, groupId: string): void;
  /**
   * Holds a membership known for as long as something that checked it and follows the user's
   * leaves (a live subscription to the group) says it stands; answers the release. A held
   * membership is not asked about again. Holding does nothing when the TTL is 0.
   */
  hold(userId: string, groupId: string): () => void;
}

export interface MembershipCacheOptions {
  chat: ChatRpcClient;
  /** How long a confirmed membership is trusted; 0 asks the Chat service every time. */
  ttlMs: number;
  /** Memberships remembered, the least recently confirmed forgotten first; default 100,000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Confirmed memberships, remembered briefly: a member sending a burst of messages costs one Chat
 * service call, not one per message. Only "member" is remembered; "not a member" (and NOT_FOUND)
 * is asked again every time, so joining takes effect at once. A member subscribed to the group
 * on this instance is not asked at all: the subscription holds the membership until the user
 * leaves.
 */
export function createMembershipCache(options: MembershipCacheOptions): MembershipCheck {
  const { chat, ttlMs } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const confirmedUntil = new Map<string, number>();
  /** Live holders of each held membership; an entry disappears with its last holder. */
  const holders = new Map<string, Set<object>>();
  const keyOf = (userId: string, groupId: string) => `${userId}\n${groupId}`;

  return {
    async isMember(userId, groupId) {
      const key = keyOf(userId, groupId);
      if (holders.has(key)) return true;
      const until = confirmedUntil.get(key);
      if (until !== undefined && now() < until) return true;
      const { isMember } = await chat.checkMembership({ groupId, userId });
      confirmedUntil.delete(key);
      if (isMember && ttlMs > 0) {
        confirmedUntil.set(key, now() + ttlMs);
        if (confirmedUntil.size > maxEntries) confirmedUntil.delete(confirmedUntil.keys().next().value as string);
      }
      return isMember;
    },
    forget(userId, groupId) {
      const key = keyOf(userId, groupId);
      confirmedUntil.delete(key);
      holders.delete(key);
    },
    hold(userId, groupId) {
      if (ttlMs === 0) return () => {};
      const key = keyOf(userId, groupId);
      let keyHolders = holders.get(key);
      if (!keyHolders) holders.set(key, (keyHolders = new Set()));
      const holder = {};
      keyHolders.add(holder);
      const held = keyHolders;
      return () => {
        held.delete(holder);
        if (held.size === 0 && holders.get(key) === held) holders.delete(key);
      };
    },
  };
}
