import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import type { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChatRpcClient, type ChatRpcClient, type ChatRpcClientOptions } from '../../src/chat-rpc/chat-client.js';
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

/**
 * By name, not instanceof: graphql ships both CommonJS and ESM builds, and yoga may load the other
 * one, as its own `isGraphQLError` check allows for.
 */
const isGraphQLError = (error: Error): error is GraphQLError => error.name === 'GraphQLError';

function expectApiError(error: Error, code: string, grpcCode: status): void {
  expect(isGraphQLError(error)).toBe(true);
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

  it('saves several messages in one SaveMessages call, in order, and answers which were new', async () => {
    await client.upsertUser({ id: 'alice', name: 'Alice' });
    const group = await client.createGroup({ name: 'Batches', creatorId: 'alice' });
    await client.saveMessage({ message: message(group.id, 2, 'alice') });
    const batch = [1, 2, 3].map((seq) => message(group.id, seq, 'alice'));
    expect(await client.saveMessages({ messages: batch })).toEqual({ created: [true, false, true] });
    expect((await client.listMessages({ groupId: group.id })).messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(await client.saveMessages({ messages: [] })).toEqual({ created: [] });

    // Validated first: a malformed message anywhere stores none of them.
    const invalid = await failure(
      client.saveMessages({ messages: [message(group.id, 4, 'alice'), { ...message(group.id, 5, 'alice'), senderId: '' }] }),
    );
    expectApiError(invalid, 'BAD_USER_INPUT', status.INVALID_ARGUMENT);
    expect((invalid as Error).message).toMatch(/messages\[1\]: message\.sender_id is required/);
    expect(await client.getLastSeq({ groupId: group.id })).toEqual({ lastSeq: 3 });

    // Then the first that fails ends the call with its status; those before it are stored.
    const conflict = await failure(
      client.saveMessages({ messages: [message(group.id, 4, 'alice'), message(group.id, 1, 'alice', 'edited'), message(group.id, 5, 'alice')] }),
    );
    expectApiError(conflict, 'BAD_USER_INPUT', status.ALREADY_EXISTS);
    expect(await client.getLastSeq({ groupId: group.id })).toEqual({ lastSeq: 4 });
  });

  it('refuses a second start while running', async () => {
    await expect(service.start()).rejects.toThrow(/already started/);
  });
});

describe('Chat RPC client failures', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const clientFor = (options: ChatRpcClientOptions) => {
    const client = createChatRpcClient(options);
    cleanups.push(() => client.close());
    return client;
  };

  /** Serves the reference implementation, or a variant of it with some handlers replaced. */
  const startFake = async (variant: (real: ChatServer) => ChatServer = (real) => real) => {
    const store = createMemoryChatStore();
    const server = new Server();
    server.addService(ChatService, variant(createChatGrpcService({ store, logger: silent })));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    cleanups.push(() => server.forceShutdown());
    return { address: `127.0.0.1:${port}`, store };
  };

  /** Membership checks of one turn, through a service that counts its CheckMembership(s) calls. */
  const membershipFixture = async (batches: 'implemented' | 'unimplemented') => {
    const calls = { one: 0, many: [] as number[] };
    const { address, store } = await startFake((real) => ({
      ...real,
      checkMembership: (call, callback) => {
        calls.one++;
        real.checkMembership(call, callback);
      },
      checkMemberships: (call, callback) => {
        calls.many.push(call.request.checks.length);
        if (batches === 'unimplemented') callback({ code: status.UNIMPLEMENTED, details: 'Method not found' });
        else real.checkMemberships(call, callback);
      },
    }));
    const group = await store.createGroup({ name: 'Checked', creatorId: 'alice' });
    await store.joinGroup(group.id, 'bob');
    const client = clientFor({ address });
    await client.waitForReady(2000);
    const checkTogether = () =>
      Promise.allSettled([
        client.checkMembership({ groupId: group.id, userId: 'alice' }),
        client.checkMembership({ groupId: group.id, userId: 'mallory' }),
        client.checkMembership({ groupId: 'no-such-group', userId: 'alice' }),
        client.checkMembership({ groupId: group.id, userId: 'bob' }),
      ]);
    return { calls, client, group, checkTogether };
  };

  const expectAnswers = (outcomes: PromiseSettledResult<{ isMember: boolean }>[]) => {
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.isMember : 'rejected'))).toEqual([true, false, 'rejected', true]);
    const notFound = (outcomes[2] as PromiseRejectedResult).reason as Error;
    expectApiError(notFound, 'NOT_FOUND', status.NOT_FOUND);
    expect(notFound.message).toBe('Group "no-such-group" does not exist.');
  };

  it('sends the membership checks of one turn as one CheckMemberships call, each answered as CheckMembership would', async () => {
    const { calls, client, group, checkTogether } = await membershipFixture('implemented');
    expectAnswers(await checkTogether());
    expect(calls).toEqual({ one: 0, many: [4] });
    // A lone check goes as it always did.
    expect(await client.checkMembership({ groupId: group.id, userId: 'bob' })).toEqual({ isMember: true });
    expect(calls).toEqual({ one: 1, many: [4] });
    // A malformed check refuses the whole call: each check is then asked alone, and only its own
    // caller sees the failure.
    const [malformed, wellFormed] = await Promise.allSettled([
      client.checkMembership({ groupId: group.id, userId: '' }),
      client.checkMembership({ groupId: group.id, userId: 'bob' }),
    ]);
    expectApiError((malformed as PromiseRejectedResult).reason, 'BAD_USER_INPUT', status.INVALID_ARGUMENT);
    expect(wellFormed).toEqual({ status: 'fulfilled', value: { isMember: true } });
    expect(calls).toEqual({ one: 3, many: [4, 2] });
  });

  it('fails every check of a call the service could not answer', async () => {
    let batches = 0;
    const { address } = await startFake((real) => ({
      ...real,
      checkMemberships: (_call, callback) => {
        batches++;
        callback({ code: status.RESOURCE_EXHAUSTED, details: 'busy' });
      },
    }));
    const client = clientFor({ address });
    const outcomes = await Promise.allSettled([
      client.checkMembership({ groupId: 'g', userId: 'alice' }),
      client.checkMembership({ groupId: 'g', userId: 'bob' }),
    ]);
    for (const outcome of outcomes) expectApiError((outcome as PromiseRejectedResult).reason, 'UNAVAILABLE', status.RESOURCE_EXHAUSTED);
    expect(batches).toBe(1);
  });

  it('checks one by one, from then on, with a service that does not implement CheckMemberships', async () => {
    const { calls, checkTogether } = await membershipFixture('unimplemented');
    expectAnswers(await checkTogether());
    expect(calls).toEqual({ one: 4, many: [4] });
    expectAnswers(await checkTogether());
    expect(calls).toEqual({ one: 8, many: [4] });
  });

  it('fails with UNAVAILABLE within its deadline when nothing listens', async () => {
    const client = clientFor({ address: `127.0.0.1:${await closedPort()}`, deadlineMs: 300, retries: 0 });
    const started = Date.now();
    const error = await failure(client.getLastSeq({ groupId: 'g' }));
    expect(Date.now() - started).toBeLessThan(300);
    expectApiError(error, 'UNAVAILABLE', status.UNAVAILABLE);
    expect(error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);

    // Retrying a refused connection stays quick: the backoff is short and each attempt fails fast.
    const retrying = clientFor({ address: `127.0.0.1:${await closedPort()}`, deadlineMs: 300, retries: 2 });
    const retryStarted = Date.now();
    expectApiError(await failure(retrying.getGroup({ groupId: 'g' })), 'UNAVAILABLE', status.UNAVAILABLE);
    expect(Date.now() - retryStarted).toBeLessThan(900);
  });

  it('gives up at the deadline on a server that never answers, once per attempt', async () => {
    const sockets = new Set<Socket>();
    const silentServer: NetServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silentServer.close(() => resolve());
        }),
    );
    const { port } = silentServer.address() as { port: number };

    const client = clientFor({ address: `127.0.0.1:${port}`, deadlineMs: 150, retries: 1, retryBaseDelayMs: 10 });
    const started = Date.now();
    const error = await failure(client.getLastSeq({ groupId: 'g' }));
    const elapsed = Date.now() - started;
    expectApiError(error, 'UNAVAILABLE', status.DEADLINE_EXCEEDED);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('retries idempotent calls on UNAVAILABLE, and never CreateGroup', async () => {
    let getGroupCalls = 0;
    let createGroupCalls = 0;
    const { address, store } = await startFake((real) => ({
      ...real,
      getGroup: (call, callback) => {
        if (++getGroupCalls <= 2) callback({ code: status.UNAVAILABLE, details: 'warming up' });
        else real.getGroup(call, callback);
      },
      createGroup: (_call, callback) => {
        createGroupCalls++;
        callback({ code: status.UNAVAILABLE, details: 'warming up' });
      },
    }));
    const group = await store.createGroup({ name: 'Retried', creatorId: 'alice' });

    const patient = clientFor({ address, retries: 2, retryBaseDelayMs: 5 });
    expect((await patient.getGroup({ groupId: group.id })).name).toBe('Retried');
    expect(getGroupCalls).toBe(3);

    getGroupCalls = 0;
    const hasty = clientFor({ address, retries: 1, retryBaseDelayMs: 5 });
    expectApiError(await failure(hasty.getGroup({ groupId: group.id })), 'UNAVAILABLE', status.UNAVAILABLE);
    expect(getGroupCalls).toBe(2);

    expectApiError(
      await failure(patient.createGroup({ name: 'Once', creatorId: 'alice' })),
      'UNAVAILABLE',
      status.UNAVAILABLE,
    );
    expect(createGroupCalls).toBe(1);
  });

  it('fails fast while the service is down, and recovers once it is back on the same address', async () => {
    const store = createMemoryChatStore();
    const group = await store.createGroup({ name: 'Restarted', creatorId: 'alice' });
    const first = createChatService({ store, logger: silent });
    const { address } = await first.start();
    const client = clientFor({ address });
    expect(await client.getLastSeq({ groupId: group.id })).toEqual({ lastSeq: 0 });

    await first.stop();
    const started = Date.now();
    expectApiError(await failure(client.getLastSeq({ groupId: group.id })), 'UNAVAILABLE', status.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(1000);

    const second = createChatService({ store, logger: silent, port: Number(address.split(':').pop()) });
    await second.start();
    cleanups.push(() => second.stop());
    // The channel reconnects on its own, within its (short) reconnection backoff.
    await client.waitForReady(2000);
    expect(await client.getLastSeq({ groupId: group.id })).toEqual({ lastSeq: 0 });
  });

  it('does not retry answers such as NOT_FOUND', async () => {
    let calls = 0;
    const { address } = await startFake((real) => ({
      ...real,
      getLastSeq: (call, callback) => {
        calls++;
        real.getLastSeq(call, callback);
      },
    }));
    const client = clientFor({ address });
    expectApiError(await failure(client.getLastSeq({ groupId: 'nope' })), 'NOT_FOUND', status.NOT_FOUND);
    expect(calls).toBe(1);
  });

  it('answers INTERNAL without internals, logs them, and surfaces a plain error for yoga to mask', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const failing: ChatStore = {
      ...createMemoryChatStore(),
      getLastSeq: async () => {
        throw new Error('connect ECONNREFUSED db.internal:5432');
      },
    };
    const service = createChatService({ store: failing, logger });
    const { address } = await service.start();
    cleanups.push(() => service.stop());

    const client = clientFor({ address });
    const error = await failure(client.getLastSeq({ groupId: 'g' }));
    expect(isGraphQLError(error)).toBe(false);
    expect((error as Partial<GraphQLError>).extensions).toBeUndefined();
    expect((error.cause as ServiceError).code).toBe(status.INTERNAL);
    expect((error.cause as ServiceError).details).toBe('Internal error.');
    expect(error.message).not.toMatch(/db\.internal/);
    expect(logged.join('')).toMatch(/db\.internal:5432/);
    expect(JSON.parse(logged[0]!)).toMatchObject({ method: 'GetLastSeq' });
  });

  it('fails with UNAVAILABLE once closed', async () => {
    const { address } = await startFake();
    const client = createChatRpcClient({ address });
    await client.waitForReady(2000);
    client.close();
    const error = await failure(client.getLastSeq({ groupId: 'g' }));
    expect((error as GraphQLError).extensions.code).toBe('UNAVAILABLE');
  });

  it('waits for readiness, and gives up with UNAVAILABLE', async () => {
    const { address } = await startFake();
    await clientFor({ address }).waitForReady(2000);

    const started = Date.now();
    const error = await failure(clientFor({ address: `127.0.0.1:${await closedPort()}` }).waitForReady(200));
    expect((error as GraphQLError).extensions.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops a service with calls in flight after its shutdown timeout', async () => {
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const slow: ChatStore = {
      ...createMemoryChatStore(),
      getLastSeq: async () => {
        await blocked;
        return 0;
      },
    };
    const service = createChatService({ store: slow, logger: silent, shutdownTimeoutMs: 100 });
    const { address } = await service.start();
    const client = clientFor({ address, deadlineMs: 5000, retries: 0 });
    const pending = failure(client.getLastSeq({ groupId: 'g' }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await service.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await pending as GraphQLError).extensions.code).toBe('UNAVAILABLE');
    release();
    await service.stop();
  });
});
