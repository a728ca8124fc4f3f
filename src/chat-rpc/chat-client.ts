import { Metadata, credentials, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { unavailable } from '../errors.js';
import { isRetryable, toApiError, withCause } from './error-mapping.js';
import { batchMembershipChecks } from './membership-checks.js';
import {
  ChatClient,
  GetGroupRequest,
  ListMessagesRequest,
  ListUserGroupsRequest,
  UpsertUserRequest,
  type CheckMembershipResponse,
  type CreateGroupRequest,
  type GetLastSeqRequest,
  type GetLastSeqResponse,
  type GetMessageRequest,
  type GetUsersRequest,
  type GetUsersResponse,
  type Group,
  type LeaveGroupResponse,
  type ListGroupMembersRequest,
  type ListGroupMembersResponse,
  type ListMessagesResponse,
  type ListUserGroupsResponse,
  type MarkReadRequest,
  type MarkReadResponse,
  type MembershipRequest,
  type Message,
  type SaveMessageRequest,
  type SaveMessageResponse,
  type SaveMessagesRequest,
  type SaveMessagesResponse,
  type User,
} from './generated/chat.js';

export interface ChatRpcClientOptions {
  /** The Chat service, `host:port`. */
  address: string;
  /** Deadline of each attempt of each call; default 2000 ms. */
  deadlineMs?: number;
  /**
   * Further attempts of an idempotent call (every RPC but CreateGroup) after UNAVAILABLE or
   * DEADLINE_EXCEEDED; default 2. A call can thus take up to `(retries + 1) × deadlineMs` plus
   * the backoff in between.
   */
  retries?: number;
  /** Backoff before the first retry, doubled for each further one, with ±50 % jitter; default 50 ms. */
  retryBaseDelayMs?: number;
}

/** Fields proto3 lets a caller leave out (empty string or 0 means "not given"). */
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** The last (most complete) overload of each generated client method. */
type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/**
 * The gateway's typed client of the Chat service: one promise-returning method per RPC, over one
 * channel. Every call has a deadline; idempotent calls are retried when the service is briefly
 * unreachable; failures come out as the API's errors (`extensions.code` NOT_FOUND, FORBIDDEN,
 * BAD_USER_INPUT, UNAVAILABLE) or, for anything unexpected, a plain Error that yoga masks. The
 * gRPC error is kept as `cause` for logs.
 */
export function createChatRpcClient(options: ChatRpcClientOptions) {
  const deadlineMs = options.deadlineMs ?? 2000;
  const retries = options.retries ?? 2;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 50;

  const client = new ChatClient(options.address, credentials.createInsecure(), {
    // Notice a dead connection between calls, instead of spending the next call's whole deadline on it.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // grpc-js waits up to 2 minutes between reconnection attempts by default, and meanwhile fails
    // every call at once: after a restart of the service the gateway would stay down that long.
    // A short first wait also lets a call's own retries land on a fresh connection attempt.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 5_000,
  });
  let closed = false;

  const attempt = <Request, Response>(method: UnaryMethod<Request, Response>, request: Request) =>
    new Promise<Response>((resolve, reject) => {
      method.call(client, request, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });

  const call = async <Request, Response>(
    name: string,
    method: UnaryMethod<Request, Response>,
    request: Request,
    idempotent = true,
  ): Promise<Response> => {
    for (let retry = 0; ; retry++) {
      if (closed) throw withCause(unavailable(), new Error(`Chat RPC client is closed (${name})`));
      try {
        return await attempt(method, request);
      } catch (error) {
        if (idempotent && retry < retries && isRetryable(error)) {
          await sleep(retryBaseDelayMs * 2 ** retry * (0.5 + Math.random()));
          continue;
        }
        throw toApiError(error, name);
      }
    }
  };

  return {
    /** Creates the user or renames it; an omitted or empty name keeps the stored one. */
    upsertUser: (request: Optional<UpsertUserRequest, 'name'>): Promise<User> =>
      call('UpsertUser', client.upsertUser, UpsertUserRequest.fromPartial(request)),

    /** Unknown ids are left out of the answer. */
    getUsers: (request: GetUsersRequest): Promise<GetUsersResponse> => call('GetUsers', client.getUsers, request),

    /** Not retried: a lost answer would leave a second group behind. The creator becomes a member. */
    createGroup: (request: CreateGroupRequest): Promise<Group> =>
      call('CreateGroup', client.createGroup, request, false),

    /** With `userId`, the answer carries that user's `unreadCount`. */
    getGroup: (request: Optional<GetGroupRequest, 'userId'>): Promise<Group> =>
      call('GetGroup', client.getGroup, GetGroupRequest.fromPartial(request)),

    /** Idempotent; the answer carries the user's `unreadCount`. */
    joinGroup: (request: MembershipRequest): Promise<Group> => call('JoinGroup', client.joinGroup, request),

    leaveGroup: (request: MembershipRequest): Promise<LeaveGroupResponse> =>
      call('LeaveGroup', client.leaveGroup, request),

    /**
     * Checks made in the same turn of the event loop go to the service together, as one
     * CheckMemberships call (CheckMembership one by one where the service lacks it).
     */
    checkMembership: batchMembershipChecks({
      one: (request) => call('CheckMembership', client.checkMembership, request),
      many: (request) => call('CheckMemberships', client.checkMemberships, request),
    }),

    /** Ordered by group id; page with `afterGroupId` (the last id seen) while `hasMore`. */
    listUserGroups: (request: Optional<ListUserGroupsRequest, 'afterGroupId' | 'limit'>): Promise<ListUserGroupsResponse> =>
      call('ListUserGroups', client.listUserGroups, ListUserGroupsRequest.fromPartial(request)),

    listGroupMembers: (request: ListGroupMembersRequest): Promise<ListGroupMembersResponse> =>
      call('ListGroupMembers', client.listGroupMembers, request),

    /** Idempotent on `message.id`: `created` is false when it was already stored. */
    saveMessage: (request: SaveMessageRequest & { message: Message }): Promise<SaveMessageResponse> =>
      call('SaveMessage', client.saveMessage, request),

    /**
     * Several messages in one call, in order, each as `saveMessage` stores it; a failure is the
     * first failing message's, those before it stored. Idempotent like `saveMessage`.
     */
    saveMessages: (request: SaveMessagesRequest): Promise<SaveMessagesResponse> =>
      call('SaveMessages', client.saveMessages, request),

    getMessage: (request: GetMessageRequest): Promise<Message> => call('GetMessage', client.getMessage, request),

    /** Oldest first: the last `limit` messages below `beforeSeq` (omitted or 0: the latest). */
    listMessages: (request: Optional<ListMessagesRequest, 'beforeSeq' | 'afterSeq' | 'limit'>): Promise<ListMessagesResponse> =>
      call('ListMessages', client.listMessages, ListMessagesRequest.fromPartial(request)),

    getLastSeq: (request: GetLastSeqRequest): Promise<GetLastSeqResponse> =>
      call('GetLastSeq', client.getLastSeq, request),

    /** Moves the read marker forward only; answers the new unread count. */
    markRead: (request: MarkReadRequest): Promise<MarkReadResponse> => call('MarkRead', client.markRead, request),

    /** Resolves once connected; rejects with an UNAVAILABLE error after `timeoutMs`. */
    waitForReady: (timeoutMs: number): Promise<void> =>
      new Promise((resolve, reject) => {
        client.waitForReady(Date.now() + timeoutMs, (error) =>
          error ? reject(withCause(unavailable(), error)) : resolve(),
        );
      }),

    /** Closes the channel; calls made afterwards fail with UNAVAILABLE. */
    close(): void {
      closed = true;
      client.close();
    },
  };
}

export type ChatRpcClient = ReturnType<typeof createChatRpcClient>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
