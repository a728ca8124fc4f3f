import { randomUUID } from 'node:crypto';
import type { Group, Message, User } from '../chat-rpc/generated/chat.js';
import { identity, insertSorted, lowerBound, removeSorted, upperBound } from './sorted.js';
import {
  ChatStoreError,
  DEFAULT_GROUP_PAGE_SIZE,
  DEFAULT_MESSAGE_PAGE_SIZE,
  MAX_GROUP_PAGE_SIZE,
  MAX_MESSAGE_PAGE_SIZE,
  assertSeq,
  groupNotFound,
  isSameMessage,
  notAMember,
  resolvePageSize,
  type ChatStore,
  type GroupPage,
  type MessagePage,
  saveEachInOrder,
} from './store.js';

interface Member {
  /** Every message with a seq up to this one counts as read. */
  readSeq: number;
}

interface GroupRecord {
  group: Omit<Group, 'unreadCount'>;
  /** Sorted by seq: history pages and unread counts are binary searches. */
  messages: Message[];
  members: Map<string, Member>;
}

const seqOf = (message: Message) => message.seq;

/**
 * A `ChatStore` kept in this process's memory: nothing to install, everything lost on restart.
 * Every operation runs synchronously inside its promise, so each is atomic without locks.
 */
export function createMemoryChatStore(): ChatStore {
  const users = new Map<string, User>();
  const groups = new Map<string, GroupRecord>();
  const messagesById = new Map<string, Message>();
  /** Group ids of each user's groups, sorted, for id-ordered paging. */
  const groupIdsByUser = new Map<string, string[]>();

  const recordOf = (groupId: string): GroupRecord => {
    const record = groups.get(groupId);
    if (!record) throw groupNotFound(groupId);
    return record;
  };

  // Membership references users, as a foreign key would in a database: a member always has a name.
  const ensureUser = (userId: string): void => {
    if (!users.has(userId)) users.set(userId, { id: userId, name: userId });
  };

  const lastSeqOf = (record: GroupRecord): number => record.messages[record.messages.length - 1]?.seq ?? 0;

  /**
   * Unread means: above the member's read marker and sent by someone else. A member's own messages
   * are never above the marker (saving one moves the marker to it, and joining puts the marker at
   * the last stored message), so counting what lies above the marker is enough.
   */
  const unreadCount = (record: GroupRecord, userId: string): number => {
    const member = record.members.get(userId);
    if (!member) return 0;
    return record.messages.length - upperBound(record.messages, member.readSeq, seqOf);
  };

  const groupFor = (record: GroupRecord, userId?: string): Group =>
    userId ? { ...record.group, unreadCount: unreadCount(record, userId) } : { ...record.group };

  const addMember = (record: GroupRecord, userId: string): void => {
    ensureUser(userId);
    record.members.set(userId, { readSeq: lastSeqOf(record) });
    let ids = groupIdsByUser.get(userId);
    if (!ids) groupIdsByUser.set(userId, (ids = []));
    insertSorted(ids, record.group.id, identity);
  };

  const store: ChatStore = {
    async upsertUser(id, name = '') {
      const stored = users.get(id);
      const user = { id, name: name || stored?.name || id };
      users.set(id, user);
      return { ...user };
    },

    async getUsers(ids) {
      const found: User[] = [];
      for (const id of new Set(ids)) {
        const user = users.get(id);
        if (user) found.push({ ...user });
      }
      return found;
    },

    async createGroup({ name, creatorId }) {
      const record: GroupRecord = {
        group: { id: randomUUID(), name, createdBy: creatorId, createdAtMs: Date.now() },
        messages: [],
        members: new Map(),
      };
      groups.set(record.group.id, record);
      addMember(record, creatorId);
      return groupFor(record, creatorId);
    },

    async getGroup(groupId, options = {}) {
      return groupFor(recordOf(groupId), options.userId);
    },

    async joinGroup(groupId, userId) {
      const record = recordOf(groupId);
      if (!record.members.has(userId)) addMember(record, userId);
      return groupFor(record, userId);
    },

    async leaveGroup(groupId, userId) {
      const record = recordOf(groupId);
      if (!record.members.delete(userId)) return { wasMember: false };
      const ids = groupIdsByUser.get(userId);
      if (ids) {
        removeSorted(ids, groupId, identity);
        if (ids.length === 0) groupIdsByUser.delete(userId);
      }
      return { wasMember: true };
    },

    async isMember(groupId, userId) {
      return recordOf(groupId).members.has(userId);
    },

    async memberships(checks) {
      return checks.map(({ groupId, userId }) => {
        const record = groups.get(groupId);
        if (!record) return 'no-such-group';
        return record.members.has(userId) ? 'member' : 'not-member';
      });
    },

    async listUserGroups(userId, page: GroupPage = {}) {
      const limit = resolvePageSize(page.limit, DEFAULT_GROUP_PAGE_SIZE, MAX_GROUP_PAGE_SIZE);
      const ids = groupIdsByUser.get(userId) ?? [];
      const start = page.afterGroupId ? upperBound(ids, page.afterGroupId, identity) : 0;
      const pageIds = ids.slice(start, start + limit);
      return {
        groups: pageIds.map((id) => groupFor(recordOf(id), userId)),
        hasMore: start + limit < ids.length,
      };
    },

    async listGroupMembers(groupId) {
      const record = recordOf(groupId);
      return [...record.members.keys()]
        .sort()
        .map((id) => ({ ...(users.get(id) ?? { id, name: id }) }));
    },

    saveMessages(messages) {
      return saveEachInOrder(store, messages);
    },

    async saveMessage(message) {
      assertSeq(message.seq, 'seq', false);
      const existing = messagesById.get(message.id);
      if (existing) {
        if (isSameMessage(existing, message)) return { created: false };
        throw new ChatStoreError(
          'already-exists',
          `Message id "${message.id}" is already used by a different message.`,
        );
      }
      const record = recordOf(message.groupId);
      const index = lowerBound(record.messages, message.seq, seqOf);
      if (record.messages[index]?.seq === message.seq) {
        throw new ChatStoreError(
          'already-exists',
          `Seq ${message.seq} of group "${message.groupId}" is already taken by another message.`,
        );
      }
      const stored: Message = { ...message, createdAtMs: message.createdAtMs || Date.now() };
      // Messages arrive nearly in seq order, so this is almost always an append.
      record.messages.splice(index, 0, stored);
      messagesById.set(message.id, stored);
      const sender = record.members.get(message.senderId);
      if (sender && sender.readSeq < message.seq) sender.readSeq = message.seq;
      return { created: true };
    },

    async getMessage(messageId) {
      const message = messagesById.get(messageId);
      if (!message) throw new ChatStoreError('not-found', `Message "${messageId}" does not exist.`);
      return { ...message };
    },

    async listMessages(groupId, page: MessagePage = {}) {
      const record = recordOf(groupId);
      const beforeSeq = page.beforeSeq ?? 0;
      assertSeq(beforeSeq, 'beforeSeq', true);
      const limit = resolvePageSize(page.limit, DEFAULT_MESSAGE_PAGE_SIZE, MAX_MESSAGE_PAGE_SIZE);
      const afterSeq = page.afterSeq ?? 0;
      assertSeq(afterSeq, 'afterSeq', true);
      const end = beforeSeq === 0 ? record.messages.length : lowerBound(record.messages, beforeSeq, seqOf);
      if (afterSeq > 0) {
        const start = lowerBound(record.messages, afterSeq + 1, seqOf);
        return record.messages.slice(start, Math.min(end, start + limit)).map((message) => ({ ...message }));
      }
      return record.messages.slice(Math.max(0, end - limit), end).map((message) => ({ ...message }));
    },

    async getLastSeq(groupId) {
      return lastSeqOf(recordOf(groupId));
    },

    async markRead(groupId, userId, seq) {
      const record = recordOf(groupId);
      assertSeq(seq, 'seq', true);
      const member = record.members.get(userId);
      if (!member) throw notAMember(groupId);
      if (seq > member.readSeq) member.readSeq = seq;
      return { unreadCount: unreadCount(record, userId) };
    },

    async close() {},
  };
  return store;
}
