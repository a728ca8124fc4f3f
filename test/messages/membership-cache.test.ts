import { describe, expect, it } from 'vitest';
import type { ChatRpcClient } from '../../src/chat-rpc/chat-client.js';
import { createMembershipCache } from '../../src/messages/membership-cache.js';

function fakeChat(members: Set<string>) {
  const asked: string[] = [];
  const chat = {
    async checkMembership({ groupId, userId }: { groupId: string; userId: string }) {
      asked.push(`${userId}@${groupId}`);
      return { isMember: members.has(`${userId}@${groupId}`) };
    },
  } as unknown as ChatRpcClient;
  return { chat, asked };
}

describe('createMembershipCache', () => {
  it('trusts a confirmed membership for its time, then asks again', async () => {
    let time = 0;
    const { chat, asked } = fakeChat(new Set(['alice@g']));
    const cache = createMembershipCache({ chat, ttlMs: 1000, now: () => time });
    expect(await cache.isMember('alice', 'g')).toBe(true);
    time = 999;
    expect(await cache.isMember('alice', 'g')).toBe(true);
    expect(asked).toEqual(['alice@g']);
    time = 1000;
    await cache.isMember('alice', 'g');
    expect(asked).toEqual(['alice@g', 'alice@g']);
  });

  it('never remembers "not a member", and forgets on leave', async () => {
    const members = new Set<string>();
    const { chat, asked } = fakeChat(members);
    const cache = createMembershipCache({ chat, ttlMs: 60_000 });
    expect(await cache.isMember('bob', 'g')).toBe(false);
    members.add('bob@g');
    expect(await cache.isMember('bob', 'g')).toBe(true);
    members.delete('bob@g');
    cache.forget('bob', 'g');
    expect(await cache.isMember('bob', 'g')).toBe(false);
    expect(asked).toHaveLength(3);
  });

  it('asks every time with a time of 0', async () => {
    const { chat, asked } = fakeChat(new Set(['alice@g']));
    const cache = createMembershipCache({ chat, ttlMs: 0 });
    await cache.isMember('alice', 'g');
    await cache.isMember('alice', 'g');
    expect(asked).toHaveLength(2);
  });

  it('does not ask about a held membership until its last holder lets go', async () => {
    let time = 0;
    const { chat, asked } = fakeChat(new Set(['alice@g']));
    const cache = createMembershipCache({ chat, ttlMs: 1000, now: () => time });
    const releaseFirst = cache.hold('alice', 'g');
    const releaseSecond = cache.hold('alice', 'g');
    time = 60_000;
    expect(await cache.isMember('alice', 'g')).toBe(true);
    releaseFirst();
    releaseFirst();
    expect(await cache.isMember('alice', 'g')).toBe(true);
    expect(asked).toEqual([]);
    releaseSecond();
    expect(await cache.isMember('alice', 'g')).toBe(true);
    expect(asked).toEqual(['alice@g']);
  });

  it('drops holds on leave, and holds nothing with a time of 0', async () => {
    const members = new Set(['bob@g']);
    const { chat, asked } = fakeChat(members);
    const cache = createMembershipCache({ chat, ttlMs: 60_000 });
    const release = cache.hold('bob', 'g');
    members.delete('bob@g');
    cache.forget('bob', 'g');
    expect(await cache.isMember('bob', 'g')).toBe(false);
    release();
    expect(asked).toEqual(['bob@g']);

    const uncached = createMembershipCache({ chat, ttlMs: 0 });
    members.add('bob@g');
    uncached.hold('bob', 'g');
    await uncached.isMember('bob', 'g');
    expect(asked).toEqual(['bob@g', 'bob@g']);
  });
});
