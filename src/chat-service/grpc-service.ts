import { status, type handleUnaryCall, type StatusObject } from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { Membership, type ChatServer } from '../chat-rpc/generated/chat.js';
import {
  checkIds,
  checkLimit,
  checkMembershipChecks,
  checkMessage,
  checkName,
  checkSeq,
  optionalId,
  requireId,
} from './request-validation.js';
import { ChatStoreError, type ChatStore, type ChatStoreErrorKind, type MembershipAnswer } from './store.js';

export interface ChatGrpcServiceOptions {
  /** Where every call is answered from. */
  store: ChatStore;
  /** Where unexpected failures are logged; default a pino logger on stdout. */
  logger?: Logger;
}

const membershipOfAnswer: Record<MembershipAnswer, Membership> = {
  member: Membership.MEMBERSHIP_MEMBER,
  'not-member': Membership.MEMBERSHIP_NOT_MEMBER,
  'no-such-group': Membership.MEMBERSHIP_GROUP_NOT_FOUND,
};

const statusOfKind: Record<ChatStoreErrorKind, status> = {
  'not-found': status.NOT_FOUND,
  'permission-denied': status.PERMISSION_DENIED,
  'invalid-argument': status.INVALID_ARGUMENT,
  'already-exists': status.ALREADY_EXISTS,
};

/**
 * The Chat service's handlers over a store: each validates its request, calls the store, and turns
 * the store's expected failures into their gRPC status. Anything else answers INTERNAL with a
 * generic message, since the details (stack, SQL, hostnames) are for the log, not for callers.
 */
export function createChatGrpcService(options: ChatGrpcServiceOptions): ChatServer {
  const { store } = options;
  const logger = options.logger ?? pino({ name: 'chat-service' });

  const toStatus = (error: unknown, method: string): Partial<StatusObject> => {
    if (error instanceof ChatStoreError) return { code: statusOfKind[error.kind], details: error.message };
    logger.error({ err: error, method }, 'Chat RPC failed unexpectedly');
    return { code: status.INTERNAL, details: 'Internal error.' };
  };

  const unary =
    <Request, Response>(method: string, handle: (request: Request) => Promise<Response>): handleUnaryCall<Request, Response> =>
    (call, callback) => {
      // The async wrapper turns a synchronous throw (a failed validation) into a rejection too.
      (async () => handle(call.request))().then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error, method)),
      );
    };

  return {
    upsertUser: unary('UpsertUser', (request) =>
      store.upsertUser(requireId(request.id, 'id'), checkName(request.name, 'name', false)),
    ),

    getUsers: unary('GetUsers', async (request) => ({ users: await store.getUsers(checkIds(request.ids, 'ids')) })),

    createGroup: unary('CreateGroup', (request) =>
      store.createGroup({
        name: checkName(request.name, 'name', true),
        creatorId: requireId(request.creatorId, 'creator_id'),
      }),
    ),

    getGroup: unary('GetGroup', (request) =>
      store.getGroup(requireId(request.groupId, 'group_id'), { userId: optionalId(request.userId, 'user_id') }),
    ),

    joinGroup: unary('JoinGroup', (request) =>
      store.joinGroup(requireId(request.groupId, 'group_id'), requireId(request.userId, 'user_id')),
    ),

    leaveGroup: unary('LeaveGroup', (request) =>
      store.leaveGroup(requireId(request.groupId, 'group_id'), requireId(request.userId, 'user_id')),
    ),

    checkMembership: unary('CheckMembership', async (request) => ({
      isMember: await store.isMember(requireId(request.groupId, 'group_id'), requireId(request.userId, 'user_id')),
    })),

    checkMemberships: unary('CheckMemberships', async (request) => ({
      memberships: (await store.memberships(checkMembershipChecks(request.checks, 'checks'))).map((answer) => membershipOfAnswer[answer]),
    })),

    listUserGroups: unary('ListUserGroups', (request) =>
      store.listUserGroups(requireId(request.userId, 'user_id'), {
        afterGroupId: optionalId(request.afterGroupId, 'after_group_id'),
        limit: checkLimit(request.limit),
      }),
    ),

    listGroupMembers: unary('ListGroupMembers', async (request) => ({
      members: await store.listGroupMembers(requireId(request.groupId, 'group_id')),
    })),

    saveMessage: unary('SaveMessage', (request) => store.saveMessage(checkMessage(request.message))),

    saveMessages: unary('SaveMessages', async (request) => {
      const messages = request.messages.map((message, index) => {
        try {
          return checkMessage(message);
        } catch (error) {
          if (error instanceof ChatStoreError) throw new ChatStoreError(error.kind, `messages[${index}]: ${error.message}`);
          throw error;
        }
      });
      return store.saveMessages(messages);
    }),

    getMessage: unary('GetMessage', (request) => store.getMessage(requireId(request.messageId, 'message_id'))),

    listMessages: unary('ListMessages', async (request) => ({
      messages: await store.listMessages(requireId(request.groupId, 'group_id'), {
        beforeSeq: checkSeq(request.beforeSeq, 'before_seq', true),
        afterSeq: checkSeq(request.afterSeq, 'after_seq', true),
        limit: checkLimit(request.limit),
      }),
    })),

    getLastSeq: unary('GetLastSeq', async (request) => ({
      lastSeq: await store.getLastSeq(requireId(request.groupId, 'group_id')),
    })),

    markRead: unary('MarkRead', (request) =>
      store.markRead(
        requireId(request.groupId, 'group_id'),
        requireId(request.userId, 'user_id'),
        checkSeq(request.seq, 'seq', true),
      ),
    ),
  };
}
