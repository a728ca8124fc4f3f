import { beforeEach, describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/chat-rpc/generated/chat.js';
import { ChatStoreError, type ChatStore, type ChatStoreErrorKind } from '../../src/chat-service/store.js';

/**
 * The behaviour every `ChatStore` owes the service, written once and run against each store, so
 * that the in-memory and the PostgreSQL store cannot drift apart.
 */
export function describeChatStore(name: string, createStore: () => ChatStore | Promise<ChatStore>): void {
  describe(`ChatStore: ${name}`, () => {
    let store: ChatStore;
    beforeEach(async () => {
      store = await createStore();
    });

    let nextId = 0;
    const message = (groupId: string, seq: number, senderId: string, extra: Partial<Message> = {}): Message => ({
      id: `m-${groupId}-${seq}-${++nextId}`,
      groupId,
      seq,
      senderId,
      msgType: MessageType.MESSAGE_TYPE_TEXT,
      content: `message ${seq}`,
      imageUrl: '',
      clientMessageId: '',
      createdAtMs: 1_700_000_000_000 + seq,
      ...extra,
    });

    const rejectsWith = async (promise: Promise<unknown>, kind: ChatStoreErrorKind) => {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ChatStoreError);
      expect((error as ChatStoreError).kind).toBe(kind);
    };

    /** A group created by alice and joined by bob. */
    const groupOfTwo = async () => {
      const group = await store.createGroup({ name: 'Chess club', creatorId: 'alice' });
      await store.joinGroup(group.id, 'bob');
      return group.id;
    };

    describe('users', () => {
      it('names a new user after its id, renames it, and keeps the name on an empty upsert', async () => {
        expect(await store.upsertUser('u1')).toEqual({ id: 'u1', name: 'u1' });
        expect(await store.upsertUser('u1', 'Ada')).toEqual({ id: 'u1', name: 'Ada' });
        expect(await store.upsertUser('u1', '')).toEqual({ id: 'u1', name: 'Ada' });
        expect(await store.upsertUser('u1')).toEqual({ id: 'u1', name: 'Ada' });
      });

      it('answers the known users in the order asked, each once', async () => {
        await store.upsertUser('u1', 'Ada');
        await store.upsertUser('u2', 'Grace');
        expect(await store.getUsers(['u2', 'nobody', 'u1', 'u2'])).toEqual([
          { id: 'u2', name: 'Grace' },
          { id: 'u1', name: 'Ada' },
        ]);
        expect(await store.getUsers([])).toEqual([]);
      });
    });

    describe('groups and membership', () => {
      it('creates a group whose creator is its first member', async () => {
        const before = Date.now();
        const group = await store.createGroup({ name: 'Chess club', creatorId: 'alice' });
        expect(group).toMatchObject({ name: 'Chess club', createdBy: 'alice', unreadCount: 0 });
        expect(group.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(group.createdAtMs).toBeGreaterThanOrEqual(before);
        expect(await store.isMember(group.id, 'alice')).toBe(true);
        expect(await store.getGroup(group.id)).toEqual({ ...group, unreadCount: undefined });
        expect(await store.listGroupMembers(group.id)).toEqual([{ id: 'alice', name: 'alice' }]);
      });

      it('gives a non-member an unread count of 0 and answers no count without a user', async () => {
        const groupId = await groupOfTwo();
        await store.saveMessage(message(groupId, 1, 'alice'));
        expect((await store.getGroup(groupId, { userId: 'mallory' })).unreadCount).toBe(0);
        expect((await store.getGroup(groupId, { userId: 'bob' })).unreadCount).toBe(1);
        expect((await store.getGroup(groupId)).unreadCount).toBeUndefined();
      });

      it('joins and leaves idempotently', async () => {
        const groupId = await groupOfTwo();
        await store.joinGroup(groupId, 'bob');
        expect(await store.listGroupMembers(groupId)).toEqual([
          { id: 'alice', name: 'alice' },
          { id: 'bob', name: 'bob' },
        ]);
        expect(await store.leaveGroup(groupId, 'bob')).toEqual({ wasMember: true });
        expect(await store.leaveGroup(groupId, 'bob')).toEqual({ wasMember: false });
        expect(await store.isMember(groupId, 'bob')).toBe(false);
        expect(await store.listUserGroups('bob')).toEqual({ groups: [], hasMore: false });
      });

      it('answers many membership checks at once, in order, an unknown group for its check alone', async () => {
        const groupId = await groupOfTwo();
        const other = await store.createGroup({ name: 'Other', creatorId: 'carol' });
        expect(
          await store.memberships([
            { groupId, userId: 'bob' },
            { groupId: 'nope', userId: 'alice' },
            { groupId: other.id, userId: 'bob' },
            { groupId, userId: 'alice' },
            { groupId, userId: 'never-seen' },
            { groupId: other.id, userId: 'carol' },
          ]),
        ).toEqual(['member', 'no-such-group', 'not-member', 'member', 'not-member', 'member']);
        expect(await store.memberships([])).toEqual([]);
      });

      it('lists members ordered by id, with their stored names', async () => {
        await store.upsertUser('zoe', 'Zoë');
        const group = await store.createGroup({ name: 'Choir', creatorId: 'zoe' });
        await store.joinGroup(group.id, 'carl');
        await store.joinGroup(group.id, 'anna');
        expect(await store.listGroupMembers(group.id)).toEqual([
          { id: 'anna', name: 'anna' },
          { id: 'carl', name: 'carl' },
          { id: 'zoe', name: 'Zoë' },
        ]);
      });

      it('refuses unknown groups with not-found', async () => {
        await rejectsWith(store.getGroup('nope'), 'not-found');
        await rejectsWith(store.joinGroup('nope', 'alice'), 'not-found');
        await rejectsWith(store.leaveGroup('nope', 'alice'), 'not-found');
        await rejectsWith(store.isMember('nope', 'alice'), 'not-found');
        await rejectsWith(store.listGroupMembers('nope'), 'not-found');
        await rejectsWith(store.listMessages('nope'), 'not-found');
        await rejectsWith(store.getLastSeq('nope'), 'not-found');
        await rejectsWith(store.markRead('nope', 'alice', 1), 'not-found');
        await rejectsWith(store.saveMessage(message('nope', 1, 'alice')), 'not-found');
      });

      it("pages a user's groups by id, with unread counts", async () => {
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await store.createGroup({ name: `g${i}`, creatorId: 'alice' }));
        const ids = created.map((group) => group.id).sort();
        await store.joinGroup(ids[2]!, 'bob');
        await store.saveMessage(message(ids[2]!, 1, 'bob'));
        await store.saveMessage(message(ids[2]!, 2, 'bob'));

        const first = await store.listUserGroups('alice', { limit: 2 });
        expect(first.groups.map((group) => group.id)).toEqual(ids.slice(0, 2));
        expect(first.hasMore).toBe(true);
        const second = await store.listUserGroups('alice', { afterGroupId: ids[1], limit: 2 });
        expect(second.groups.map((group) => group.id)).toEqual(ids.slice(2, 4));
        expect(second.groups.map((group) => group.unreadCount)).toEqual([2, 0]);
        expect(second.hasMore).toBe(true);
        const last = await store.listUserGroups('alice', { afterGroupId: ids[3], limit: 2 });
        expect(last).toEqual({ groups: [expect.objectContaining({ id: ids[4] })], hasMore: false });

        const all = await store.listUserGroups('alice');
        expect(all.groups.map((group) => group.id)).toEqual(ids);
        expect(all.hasMore).toBe(false);
        expect(await store.listUserGroups('alice', { afterGroupId: ids[4] })).toEqual({ groups: [], hasMore: false });
        expect(await store.listUserGroups('nobody')).toEqual({ groups: [], hasMore: false });
        await rejectsWith(store.listUserGroups('alice', { limit: -1 }), 'invalid-argument');
      });
    });

    describe('messages', () => {
      it('saves idempotently on the message id', async () => {
        const groupId = await groupOfTwo();
        const first = message(groupId, 1, 'alice');
        expect(await store.saveMessage(first)).toEqual({ created: true });
        expect(await store.saveMessage(first)).toEqual({ created: false });
        // A retry may carry a re-stamped time; it is still the same message.
        expect(await store.saveMessage({ ...first, createdAtMs: first.createdAtMs + 5 })).toEqual({ created: false });
        expect(await store.getMessage(first.id)).toEqual(first);
        expect(await store.listMessages(groupId)).toEqual([first]);
      });

      it('saves several messages in order, each as saveMessage does, up to the first that fails', async () => {
        const groupId = await groupOfTwo();
        const [first, second, third] = [1, 2, 3].map((seq) => message(groupId, seq, 'alice'));
        await store.saveMessage(second!);
        expect(await store.saveMessages([first!, second!, third!])).toEqual({ created: [true, false, true] });
        expect(await store.saveMessages([])).toEqual({ created: [] });
        const fourth = message(groupId, 4, 'bob');
        await rejectsWith(store.saveMessages([fourth, { ...first!, content: 'edited' }, message(groupId, 5, 'bob')]), 'already-exists');
        expect((await store.listMessages(groupId)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      });

      it('refuses a reused id with other content, and a taken seq, with already-exists', async () => {
        const groupId = await groupOfTwo();
        const first = message(groupId, 1, 'alice');
        await store.saveMessage(first);
        await rejectsWith(store.saveMessage({ ...first, content: 'edited' }), 'already-exists');
        await rejectsWith(store.saveMessage({ ...first, seq: 2 }), 'already-exists');
        await rejectsWith(store.saveMessage(message(groupId, 1, 'bob')), 'already-exists');
        expect(await store.listMessages(groupId)).toEqual([first]);
      });

      it('refuses seqs below 1 and stamps a missing time', async () => {
        const groupId = await groupOfTwo();
        await rejectsWith(store.saveMessage(message(groupId, 0, 'alice')), 'invalid-argument');
        const before = Date.now();
        const unstamped = message(groupId, 1, 'alice', { createdAtMs: 0 });
        await store.saveMessage(unstamped);
        expect((await store.getMessage(unstamped.id)).createdAtMs).toBeGreaterThanOrEqual(before);
        await rejectsWith(store.getMessage('nope'), 'not-found');
      });

      it('pages history oldest first below beforeSeq, whatever the order of arrival', async () => {
        const groupId = await groupOfTwo();
        for (const seq of [1, 2, 3, 5, 4, 6, 8, 7, 9, 10]) await store.saveMessage(message(groupId, seq, 'alice'));
        const seqs = async (page: { beforeSeq?: number; limit?: number }) =>
          (await store.listMessages(groupId, page)).map((m) => m.seq);

        expect(await seqs({})).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await seqs({ limit: 3 })).toEqual([8, 9, 10]);
        expect(await seqs({ beforeSeq: 8, limit: 3 })).toEqual([5, 6, 7]);
        expect(await seqs({ beforeSeq: 3, limit: 3 })).toEqual([1, 2]);
        expect(await seqs({ beforeSeq: 1 })).toEqual([]);
        expect(await seqs({ beforeSeq: 100, limit: 2 })).toEqual([9, 10]);
        expect(await store.getLastSeq(groupId)).toBe(10);
        await rejectsWith(store.listMessages(groupId, { beforeSeq: -1 }), 'invalid-argument');
        await rejectsWith(store.listMessages(groupId, { limit: -1 }), 'invalid-argument');
      });

      it('pages history forwards above afterSeq, for catching up from a position', async () => {
        const groupId = await groupOfTwo();
        for (const seq of [1, 2, 3, 5, 4, 6, 8, 7, 9, 10]) await store.saveMessage(message(groupId, seq, 'alice'));
        const seqs = async (page: { afterSeq?: number; beforeSeq?: number; limit?: number }) =>
          (await store.listMessages(groupId, page)).map((m) => m.seq);

        expect(await seqs({ afterSeq: 7 })).toEqual([8, 9, 10]);
        expect(await seqs({ afterSeq: 2, limit: 3 })).toEqual([3, 4, 5]);
        expect(await seqs({ afterSeq: 2, beforeSeq: 5 })).toEqual([3, 4]);
        expect(await seqs({ afterSeq: 10 })).toEqual([]);
        await rejectsWith(store.listMessages(groupId, { afterSeq: -1 }), 'invalid-argument');
      });

      it('answers 50 messages by default and at most 500', async () => {
        const group = await store.createGroup({ name: 'Busy', creatorId: 'alice' });
        expect(await store.getLastSeq(group.id)).toBe(0);
        for (let seq = 1; seq <= 600; seq++) await store.saveMessage(message(group.id, seq, 'alice'));
        const latest = await store.listMessages(group.id);
        expect(latest).toHaveLength(50);
        expect(latest[0]?.seq).toBe(551);
        const capped = await store.listMessages(group.id, { limit: 10_000 });
        expect(capped).toHaveLength(500);
        expect(capped[0]?.seq).toBe(101);
        expect(capped[499]?.seq).toBe(600);
      });
    });

    describe('read markers', () => {
      it("counts others' messages above the marker, never one's own", async () => {
        const groupId = await groupOfTwo();
        await store.saveMessage(message(groupId, 1, 'bob'));
        await store.saveMessage(message(groupId, 2, 'bob'));
        await store.saveMessage(message(groupId, 3, 'bob'));
        expect((await store.getGroup(groupId, { userId: 'alice' })).unreadCount).toBe(3);
        expect((await store.getGroup(groupId, { userId: 'bob' })).unreadCount).toBe(0);

        // Sending moves the sender's marker to the message: what came before is read too.
        await store.saveMessage(message(groupId, 4, 'alice'));
        expect((await store.getGroup(groupId, { userId: 'alice' })).unreadCount).toBe(0);
        expect((await store.getGroup(groupId, { userId: 'bob' })).unreadCount).toBe(1);
      });

      it('moves forward only and answers the unread count', async () => {
        const groupId = await groupOfTwo();
        for (let seq = 1; seq <= 5; seq++) await store.saveMessage(message(groupId, seq, 'alice'));
        expect(await store.markRead(groupId, 'bob', 0)).toEqual({ unreadCount: 5 });
        expect(await store.markRead(groupId, 'bob', 3)).toEqual({ unreadCount: 2 });
        expect(await store.markRead(groupId, 'bob', 1)).toEqual({ unreadCount: 2 });
        expect(await store.markRead(groupId, 'bob', 5)).toEqual({ unreadCount: 0 });
        // The gateway assigns seqs before they are saved, so a marker may run ahead of the store.
        expect(await store.markRead(groupId, 'bob', 7)).toEqual({ unreadCount: 0 });
        await store.saveMessage(message(groupId, 6, 'alice'));
        await store.saveMessage(message(groupId, 8, 'alice'));
        expect((await store.getGroup(groupId, { userId: 'bob' })).unreadCount).toBe(1);
        await rejectsWith(store.markRead(groupId, 'bob', -1), 'invalid-argument');
      });

      it('counts a late straggler below the newest message as unread', async () => {
        const groupId = await groupOfTwo();
        await store.saveMessage(message(groupId, 2, 'alice'));
        await store.markRead(groupId, 'bob', 1);
        await store.saveMessage(message(groupId, 1, 'alice'));
        expect((await store.getGroup(groupId, { userId: 'bob' })).unreadCount).toBe(1);
      });

      it('requires membership, and starts a new member with nothing unread', async () => {
        const groupId = await groupOfTwo();
        await store.saveMessage(message(groupId, 1, 'alice'));
        await store.saveMessage(message(groupId, 2, 'alice'));
        await rejectsWith(store.markRead(groupId, 'carol', 1), 'permission-denied');

        const joined = await store.joinGroup(groupId, 'carol');
        expect(joined.unreadCount).toBe(0);
        await store.saveMessage(message(groupId, 3, 'alice'));
        expect(await store.markRead(groupId, 'carol', 0)).toEqual({ unreadCount: 1 });
        // Joining again keeps the marker.
        expect((await store.joinGroup(groupId, 'carol')).unreadCount).toBe(1);

        await store.leaveGroup(groupId, 'carol');
        await rejectsWith(store.markRead(groupId, 'carol', 3), 'permission-denied');
        // A message from a former member is still stored: the gateway had accepted it.
        expect(await store.saveMessage(message(groupId, 4, 'carol'))).toEqual({ created: true });
        expect((await store.getGroup(groupId, { userId: 'bob' })).unreadCount).toBe(4);
      });
    });
  });
}
