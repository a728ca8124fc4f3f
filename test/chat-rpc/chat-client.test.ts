import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChatRpcClient, type ChatRpcClient } from '../../src/chat-rpc/chat-client.js';
import { ChatService, MessageType, type ChatServer, type Message } from '../../src/chat-rpc/generated/chat.js';
import { createChatGrpcService } from '../../src/chat-service/grpc-service.js';
import { createMemoryChatStore } from '../../src/chat-service/memory-store.js';
import { createChatService } from '../../src/chat-service/server.js';
import type { ChatStore } from '../../src/chat-service/store.js';

const silent = pino({ level: 'silent' });

/** What a failed call rejected with, for assertions on its shape. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

function expectApiError(error: Error, code: string, grpcCode: status): void {
  expect(error).toBeInstanceOf(GraphQLError);
  expect((error as GraphQLError).extensions.code).toBe(code);
  expect((error.cause as ServiceError).code).toBe(grpcCode);
}

/** A port nothing listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const message = (groupId: string, seq: number, senderId: string, content = `message ${seq}`): Message => ({
  id: `${groupId}:${seq}`,
  groupId,
  seq,
  senderId,
  msgType: MessageType.MESSAGE_TYPE_TEXT,
  content,
  imageUrl: '',
  clientMessageId: `client-${seq}`,
  createdAtMs: 1_700_000_000_000 + seq,
});

describe('Chat RPC client against the reference service', () => {
  const service = createChatService({ store: createMemoryChatStore(), logger: silent });
  let client: ChatRpcClient;

  beforeAll(async () => {
    const { address } = await service.start();
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    client = createChatRpcClient({ address });
    await client.waitForReady(2000);
  });

  afterAll(async () => {
    client.close();
    await service.stop();
  });

  it('answers every RPC', async () => {
    expect(await client.upsertUser({ id: 'alice' })).toEqual({ id: 'alice', name: 'alice' });
    expect(await client.upsertUser({ id: 'alice', name: 'Alice' })).toEqual({ id: 'alice', name: 'Alice' });
    expect(await client.upsertUser({ id: 'bob', name: 'Bob' })).toEqual({ id: 'bob', name: 'Bob' });
    expect(await client.getUsers({ ids: ['bob', 'ghost', 'alice'] })).toEqual({
      users: [
        { id: 'bob', name: 'Bob' },
        { id: 'alice', name: 'Alice' },
      ],
    });

    const group = await client.createGroup({ name: '  Chess club ', creatorId: 'alice' });
    expect(group).toMatchObject({ name: 'Chess club', createdBy: 'alice', unreadCount: 0 });
    const plain = await client.getGroup({ groupId: group.id });
    expect(plain.unreadCount).toBeUndefined();
    expect(plain).toEqual({ ...group, unreadCount: undefined });

    expect((await client.joinGroup({ groupId: group.id, userId: 'bob' })).unreadCount).toBe(0);
    expect(await client.checkMembership({ groupId: group.id, userId: 'bob' })).toEqual({ isMember: true });
    expect(await client.checkMembership({ groupId: group.id, userId: 'carol' })).toEqual({ isMember: false });
    expect(await client.listGroupMembers({ groupId: group.id })).toEqual({
      members: [
        { id: 'alice', name: 'Alice' },
        { id: 'bob', name: 'Bob' },
      ],
    });

    expect(await client.getLastSeq({ groupId: group.id })).toEqual({ lastSeq: 0 });
    for (let seq = 1; seq <= 4; seq++) {
      expect(await client.saveMessage({ message: message(group.id, seq, 'alice') })).toEqual({ created: true });
    }
    expect(await client.saveMessage({ message: message(group.id, 4, 'alice') })).toEqual({ created: false });
    expect(await client.getLastSeq({ groupId: group.id })).toEqual({ lastSeq: 4 });
    expect(await client.getMessage({ messageId: `${group.id}:2` })).toEqual(message(group.id, 2, 'alice'));

    const latest = await client.listMessages({ groupId: group.id, limit: 2 });
    expect(latest.messages.map((m) => m.seq)).toEqual([3, 4]);
    const older = await client.listMessages({ groupId: group.id, beforeSeq: 3 });
    expect(older.messages.map((m) => m.seq)).toEqual([1, 2]);

    expect((await client.getGroup({ groupId: group.id, userId: 'bob' })).unreadCount).toBe(4);
    expect(await client.markRead({ groupId: group.id, userId: 'bob', seq: 3 })).toEqual({ unreadCount: 1 });
    expect(await client.markRead({ groupId: group.id, userId: 'bob', seq: 1 })).toEqual({ unreadCount: 1 });

    const groups = await client.listUserGroups({ userId: 'bob' });
    expect(groups).toEqual({ groups: [{ ...group, unreadCount: 1 }], hasMore: false });
    expect(await client.listUserGroups({ userId: 'bob', afterGroupId: group.id, limit: 10 })).toEqual({
      groups: [],
      hasMore: false,
    });

    expect(await client.leaveGroup({ groupId: group.id, userId: 'bob' })).toEqual({ wasMember: true });
    expect(await client.leaveGroup({ groupId: group.id, userId: 'bob' })).toEqual({ wasMember: false });
  });

  it('maps NOT_FOUND to NOT_FOUND with the service’s message', async () => {
    const error = await failure(client.getGroup({ groupId: 'no-such-group' }));
    expectApiError(error, 'NOT_FOUND', status.NOT_FOUND);
    expect(error.message).toBe('Group "no-such-group" does not exist.');
    expectApiError(await failure(client.getMessage({ messageId: 'nope' })), 'NOT_FOUND', status.NOT_FOUND);
  });

  it('maps PERMISSION_DENIED to FORBIDDEN', async () => {
    const group = await client.createGroup({ name: 'Private', creatorId: 'alice' });
    const error = await failure(client.markRead({ groupId: group.id, userId: 'mallory', seq: 1 }));
    expectApiError(error, 'FORBIDDEN', status.PERMISSION_DENIED);
  });

  it('maps INVALID_ARGUMENT and ALREADY_EXISTS to BAD_USER_INPUT', async () => {
    expectApiError(
      await failure(client.createGroup({ name: '   ', creatorId: 'alice' })),
      'BAD_USER_INPUT',
      status.INVALID_ARGUMENT,
    );
    expectApiError(
      await failure(client.createGroup({ name: 'x'.repeat(101), creatorId: 'alice' })),
      'BAD_USER_INPUT',
      status.INVALID_ARGUMENT,
    );
    expectApiError(await failure(client.getGroup({ groupId: '' })), 'BAD_USER_INPUT', status.INVALID_ARGUMENT);
    expectApiError(
      await failure(client.listMessages({ groupId: 'g', limit: -1 })),
      'BAD_USER_INPUT',
      status.INVALID_ARGUMENT,
    );
    expectApiError(
      await failure(client.saveMessage({ message: { ...message('g', 1, 'alice'), msgType: MessageType.MESSAGE_TYPE_UNSPECIFIED } })),
      'BAD_USER_INPUT',
      status.INVALID_ARGUMENT,
    );

    const group = await client.createGroup({ name: 'Conflicts', creatorId: 'alice' });
    await client.saveMessage({ message: message(group.id, 1, 'alice') });
    expectApiError(
      await failure(client.saveMessage({ message: message(group.id, 1, 'alice', 'edited') })),
      'BAD_USER_INPUT',
      status.ALREADY_EXISTS,
    );
  });

  it('fails with UNAVAILABLE once closed', async () => {
    const { address } = await service.start().catch(() => ({ address: '' }));
    expect(address).toBe(''); // already started: a second start is refused
    const other = createChatRpcClient({ address: (await startedAddress()) ?? '' });
    other.close();
    expectApiError(await failure(other.getLastSeq({ groupId: 'g' })), 'UNAVAILABLE', status.OK).valueOf;
  });

  async function startedAddress(): Promise<string | undefined> {
    return undefined;
  }
});
