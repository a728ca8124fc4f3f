import type { Group, Message, User } from '../chat-rpc/generated/chat.js';

/**
 * The storage contract of the reference Chat service. Records are the proto's own message types so
 * that the gRPC layer passes them through untouched; every method is async so that a PostgreSQL
 * store can implement the same interface. Failures the caller can act on are `ChatStoreError`s;
 * anything else is a bug or an outage and surfaces as INTERNAL.
 */
export interface ChatStore {
  /** Creates the user or renames it; an empty name keeps the stored one (the id, for a new user). */
  upsertUser(id: string, name?: string): Promise<User>;
  /** The users that exist among `ids`, in the order asked, each once; unknown ids are left out. */
  getUsers(ids: readonly string[]): Promise<User[]>;

  /** Creates a group with a fresh id; the creator becomes its first member. */
  createGroup(input: { name: string; creatorId: string }): Promise<Group>;
  /** Throws not-found. With `userId`, carries that user's unread count (0 for a non-member). */
  getGroup(groupId: string, options?: { userId?: string }): Promise<Group>;
  /**
   * Idempotent: an existing member keeps its read marker. A new member starts with everything
   * already stored marked read, so joining does not flood the user with old messages as unread.
   * Answers the group with the user's unread count. Throws not-found.
   */
  joinGroup(groupId: string, userId: string): Promise<Group>;
  /** Idempotent: `wasMember` tells whether anything changed. The read marker goes with membership. */
  leaveGroup(groupId: string, userId: string): Promise<{ wasMember: boolean }>;
  /** Throws not-found for an unknown group. */
  isMember(groupId: string, userId: string): Promise<boolean>;
  /** `isMember` for each check, in order, where an unknown group answers 'no-such-group' for its check alone. */
  memberships(checks: readonly MembershipQuery[]): Promise<MembershipAnswer[]>;
  /** The user's groups ordered by id, after `afterGroupId`, each with the user's unread count. */
  listUserGroups(userId: string, page?: GroupPage): Promise<{ groups: Group[]; hasMore: boolean }>;
  /** Members ordered by user id. Throws not-found. */
  listGroupMembers(groupId: string): Promise<User[]>;

  /**
   * Idempotent on `message.id`: the same message again answers `created: false`. The same id with
   * different content, or another id at a taken (group, seq), throws already-exists. A
   * `createdAtMs` of 0 is stamped with the time of saving. The sender's read marker, if the sender
   * is a member, moves forward to the message. Membership is not required: the gateway checked it
   * when it accepted the message, and an accepted message must be stored even if its sender has
   * left since. Throws not-found for an unknown group.
   */
  saveMessage(message: Message): Promise<{ created: boolean }>;
  /**
   * Each message in order as `saveMessage` stores it, answering `created` for each; the first that
   * throws ends it, those before it stored.
   */
  saveMessages(messages: Message[]): Promise<{ created: boolean[] }>;
  /** Throws not-found. */
  getMessage(messageId: string): Promise<Message>;
  /**
   * Oldest first: the last `limit` messages with seq below `beforeSeq` (0: the latest), or, when
   * `afterSeq` is above 0, the first `limit` messages with seq above it (and below `beforeSeq`, if set).
   */
  listMessages(groupId: string, page?: MessagePage): Promise<Message[]>;
  /** Highest stored seq, 0 for a group without messages. Throws not-found. */
  getLastSeq(groupId: string): Promise<number>;

  /**
   * Moves the member's read marker forward to `seq` (never backwards) and answers the unread count.
   * `seq` may lie beyond the last stored message: the gateway assigns seqs before they are saved.
   * Throws not-found for an unknown group, permission-denied for a non-member.
   */
  markRead(groupId: string, userId: string, seq: number): Promise<{ unreadCount: number }>;

  /** Releases what the store holds (connections); the store is not used afterwards. */
  close(): Promise<void>;
}

export interface MembershipQuery {
  groupId: string;
  userId: string;
}

export type MembershipAnswer = 'member' | 'not-member' | 'no-such-group';

export interface GroupPage {
  /** Only groups whose id sorts after this one; default '' (from the first). */
  afterGroupId?: string;
  /** Page size; default (and 0) `DEFAULT_GROUP_PAGE_SIZE`, capped at `MAX_GROUP_PAGE_SIZE`. */
  limit?: number;
}

export interface MessagePage {
  /** Only messages with a lower seq; default (and 0) the latest. */
  beforeSeq?: number;
  /** Only messages with a higher seq, paging forwards; default (and 0) page backwards instead. */
  afterSeq?: number;
  /** Page size; default (and 0) `DEFAULT_MESSAGE_PAGE_SIZE`, capped at `MAX_MESSAGE_PAGE_SIZE`. */
  limit?: number;
}

export const DEFAULT_GROUP_PAGE_SIZE = 100;
export const MAX_GROUP_PAGE_SIZE = 1000;
export const DEFAULT_MESSAGE_PAGE_SIZE = 50;
export const MAX_MESSAGE_PAGE_SIZE = 500;

export type ChatStoreErrorKind = 'not-found' | 'permission-denied' | 'invalid-argument' | 'already-exists';

/**
 * A failure the caller caused and can act on. Its message is shown to API clients, so it names
 * only what the caller sent.
 */
export class ChatStoreError extends Error {
  constructor(
    readonly kind: ChatStoreErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ChatStoreError';
  }
}

export const groupNotFound = (groupId: string) =>
  new ChatStoreError('not-found', `Group "${groupId}" does not exist.`);

export const notAMember = (groupId: string) =>
  new ChatStoreError('permission-denied', `The user is not a member of group "${groupId}".`);

/**
 * Applies a page size's default and cap, shared by every store so that they page alike.
 * Negative or fractional sizes are the caller's mistake.
 */
export function resolvePageSize(limit: number | undefined, defaultSize: number, maxSize: number): number {
  if (limit === undefined || limit === 0) return defaultSize;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new ChatStoreError('invalid-argument', `limit must be a non-negative integer, got ${limit}.`);
  }
  return Math.min(limit, maxSize);
}

/** Seqs start at 1 so that 0 can mean "none" (no message yet, nothing read, no upper bound). */
export function assertSeq(seq: number, field: string, allowZero: boolean): void {
  if (!Number.isSafeInteger(seq) || seq < (allowZero ? 0 : 1)) {
    throw new ChatStoreError(
      'invalid-argument',
      `${field} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${seq}.`,
    );
  }
}

/**
 * Whether a save repeats an earlier one. The timestamp is left out: a retried save may carry a
 * re-stamped time, and the message is still the same one.
 */
export function isSameMessage(a: Message, b: Message): boolean {
  return (
    a.groupId === b.groupId &&
    a.seq === b.seq &&
    a.senderId === b.senderId &&
    a.msgType === b.msgType &&
    a.content === b.content &&
    a.imageUrl === b.imageUrl &&
    a.clientMessageId === b.clientMessageId
  );
}

/** `saveMessages` for a store whose messages are saved one by one. */
export async function saveEachInOrder(store: Pick<ChatStore, 'saveMessage'>, messages: Message[]): Promise<{ created: boolean[] }> {
  const created: boolean[] = [];
  for (const message of messages) created.push((await store.saveMessage(message)).created);
  return { created };
}
