import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql-ws';
import { bearer, connect, http, ok, startGateway, tokenFor, type SocketClient, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let token: string;
let socket: SocketClient;
let groupId: string;
let elsewhere: string;

beforeAll(async () => {
  gateway = await startGateway();
  token = await tokenFor('ada', 'Ada');
  ({ createGroup: { id: groupId } } = await ok(gateway, 'mutation { createGroup(name: "Both ways") { id } }', {}, token));
  ({ createGroup: { id: elsewhere } } = await ok(gateway, 'mutation { createGroup(name: "Not hers") { id } }', {}, await tokenFor('grace')));
  socket = connect(gateway, bearer(token));
});
afterAll(async () => {
  await socket.dispose();
  await gateway.stop();
});

/** One operation over the socket: its single result, or the errors of an `error` message. */
async function overSocket(query: string, variables: Record<string, unknown>): Promise<ExecutionResult> {
  const operation = socket.subscribe(query, variables);
  try {
    await operation.done;
  } catch (errors) {
    return { errors: errors as ExecutionResult['errors'] };
  }
  expect(operation.events).toHaveLength(1);
  return operation.events[0]!;
}

type Answer = Pick<ExecutionResult, 'data' | 'errors'>;

/**
 * An answer as a client reads it: its data, and each error's message, path and extensions. The
 * transports differ only in the locations of execution errors, which yoga's HTTP responses lose
 * for the errors of graphql-jit's compiled execution.
 */
function readable({ data, errors }: Answer) {
  return {
    ...(data === undefined ? {} : { data }),
    ...(errors ? { errors: errors.map(({ message, path, extensions }) => ({ message, path, extensions })) } : {}),
  };
}

/** Both transports' answers to the same operation, as a client reads them. */
async function bothWays(query: string, variables: Record<string, unknown> = {}) {
  const overHttp = await http(gateway, query, variables, token);
  const sent = await overSocket(query, variables);
  return { overHttp: readable(overHttp as Answer), overSocket: readable(sent), sent };
}

async function errorCount(code: string): Promise<number> {
  const text = await fetch(gateway.url.replace('/graphql', '/metrics')).then((response) => response.text());
  const line = text.split('\n').find((entry) => entry.startsWith(`campushub_graphql_errors_total{code="${code}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const SEND = 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { groupId content sender { id name } } } }';

describe("a socket's queries and mutations", () => {
  it('answer what HTTP answers', async () => {
    const query = await bothWays('{ me { id name } myGroups { name } }');
    expect(query.overSocket).toEqual(query.overHttp);
    expect(query.overSocket).toEqual({ data: { me: { id: 'ada', name: 'Ada' }, myGroups: [{ name: 'Both ways' }] } });

    const sent = await bothWays(SEND, { g: groupId, c: 'hello' });
    expect(sent.overSocket).toEqual(sent.overHttp);
    expect(sent.overSocket.data).toEqual({ sendMessage: { message: { groupId, content: 'hello', sender: { id: 'ada', name: 'Ada' } } } });
  });

  it('refuse an invalid document with the errors HTTP gives', async () => {
    const { overHttp, overSocket } = await bothWays('{ me { nope } }');
    expect(overSocket).toEqual(overHttp);
    expect(overSocket.errors).toEqual([{ message: 'Cannot query field "nope" on type "User". Did you mean "name"?', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
  });

  it('answer a refusal with its code, and count it as HTTP does', async () => {
    const before = await errorCount('FORBIDDEN');
    const { overHttp, overSocket } = await bothWays(SEND, { g: elsewhere, c: 'let me in' });
    expect(overSocket).toEqual(overHttp);
    expect(overSocket.errors).toEqual([{ message: 'You are not a member of this group.', path: ['sendMessage'], extensions: { code: 'FORBIDDEN' } }]);
    expect(await errorCount('FORBIDDEN')).toBe(before + 2);
  });

  it('mask an unexpected error as HTTP does, and count it as INTERNAL', async () => {
    const users = gateway.services.users;
    const displayName = users.displayName;
    users.displayName = async () => {
      throw new Error('users table at postgres://admin:secret@db');
    };
    try {
      const before = await errorCount('INTERNAL');
      const { overHttp, overSocket, sent } = await bothWays(SEND, { g: groupId, c: 'boom' });
      expect(overSocket).toEqual(overHttp);
      expect(JSON.stringify(sent)).not.toContain('secret');
      expect(overSocket.errors).toEqual([{ message: 'Unexpected error.', path: ['sendMessage'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(await errorCount('INTERNAL')).toBe(before + 2);
    } finally {
      users.displayName = displayName;
    }
  });
});

describe("a socket's subscriptions", () => {
  it('refuse with the same public errors whether shared or left to graphql-ws', async () => {
    const shared = await overSocket('subscription($g: ID!) { newMessage(groupId: $g) { id } }', { g: 'no-such-group' });
    // A fragment at the root is not shared: graphql-ws runs it and sends its errors.
    const unshared = await overSocket('subscription($g: ID!) { ...Feed } fragment Feed on Subscription { newMessage(groupId: $g) { id } }', { g: 'no-such-group' });
    expect(readable(unshared)).toEqual(readable(shared));
    expect(readable(shared).errors).toEqual([{ message: 'Group "no-such-group" does not exist.', path: ['newMessage'], extensions: { code: 'NOT_FOUND' } }]);
  });
});
