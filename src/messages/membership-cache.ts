import type { ChatRpcClient } from '../chat-rpc/chat-client.js';

export interface MembershipCheck {
  isMember(userId: string, groupId: string): Promise<boolean>;
  /** Drops what is known of the membership: call it when the user leaves. */
  forget(userId: string, groupId: string): void;
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
 * is asked again every time, so joining takes effect at once.
 */
export function createMembershipCache(options: MembershipCacheOptions): MembershipCheck {
  const { chat, ttlMs } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const confirmedUntil = new Map<string, number>();
  const keyOf = (userId: string, groupId: string) => `${userId}\n${groupId}`;

  return {
    async isMember(userId, groupId) {
      const key = keyOf(userId, groupId);
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
      confirmedUntil.delete(keyOf(userId, groupId));
    },
  };
}
