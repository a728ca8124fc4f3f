import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { createPostgresChatStore } from '../../src/chat-service/postgres-store.js';
import { createChatService, type ChatServiceHandle } from '../../src/chat-service/server.js';
import type { ChatStore } from '../../src/chat-service/store.js';
import { sleep, tokenFor } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix as sharedPrefix } from '../support/redis.js';
import { killChildProcesses } from '../support/processes.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

export { SHARED_REDIS_URL };
export { runScript, spawnGateway, spawnScript, type Child } from '../support/processes.js';

/**
 * Real processes for the durability tests: redis-server, the gateway and the worker as children,
 * the reference Chat service on PostgreSQL in a schema of its own. Everything started is recorded
 * and torn down by `cleanup()`, whether the test passed or not.
 */

export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const teardown: Array<() => Promise<unknown>> = [];

export async function cleanup(): Promise<void> {
  await killChildProcesses();
  for (const step of teardown.splice(0).reverse()) await step().catch(() => {});
}

/** A prefix of the shared Redis for this test, whose keys are deleted at cleanup. */
export function uniquePrefix(): string {
  const prefix = sharedPrefix('test-durability');
  teardown.push(() => deletePrefix(SHARED_REDIS_URL, prefix));
  return prefix;
}

/**
 * Where a test's gateways and workers meet: a Redis (the shared one by default) under a prefix of
 * the test's own, and the test's Chat service; sends are not rate-limited.
 */
export function durabilityEnv(chat: TestChatService, redisUrl = SHARED_REDIS_URL) {
  const prefix = uniquePrefix();
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, CHAT_GRPC_URL: chat.address, SEND_RATE_PER_SECOND: '10000', SEND_BURST: '10000' };
  return { prefix, env };
}

/** A redis-server of the test's own, as durable as docs/durability.md asks: every write fsynced. */
export async function spawnRedis(): Promise<RedisServer> {
  const server = await startRedisServer({ durable: true });
  teardown.push(() => server.stop());
  return server;
}

export interface TestChatService {
  address: string;
  store: ChatStore;
  /** Holds each SaveMessage(s) answer back this long after the messages are stored (0: none). */
  answerDelayMs: number;
  /** Saves that reached the store, duplicates included. */
  saves: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A statement on the service's own schema (its tables are on the search path). */
  sql(text: string, values?: unknown[]): Promise<unknown[]>;
  /** What PostgreSQL holds for the group: ids and contents, in seq order. */
  stored(groupId: string): Promise<Array<{ id: string; content: string }>>;
}

/**
 * The reference Chat service on PostgreSQL on a fixed port, so that it can be stopped and started
 * again where the gateway and workers expect it.
 */
export async function startChatService(): Promise<TestChatService> {
  const schema = `durability_${randomBytes(6).toString('hex')}`;
  const store = await createPostgresChatStore({ connectionString: DATABASE_URL, schema, poolSize: 4 });
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  teardown.push(async () => {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  const port = await freePort();
  const handle: TestChatService = {
    address: `127.0.0.1:${port}`,
    store,
    answerDelayMs: 0,
    saves: 0,
    stop: () => service.stop(),
    start: async () => {
      await service.start();
    },
    async sql(text, values = []) {
      const client = await admin.connect();
      try {
        await client.query(`SET search_path TO ${schema}`);
        return (await client.query(text, values)).rows;
      } finally {
        await client.query('RESET search_path').catch(() => {});
        client.release();
      }
    },
    async stored(groupId) {
      const { rows } = await admin.query<{ id: string; content: string }>(
        `SELECT id, content FROM ${schema}.messages WHERE group_id = $1 ORDER BY seq`,
        [groupId],
      );
      return rows;
    },
  };
  const delayed: ChatStore = {
    ...store,
    async saveMessage(message) {
      const result = await store.saveMessage(message);
      handle.saves++;
      if (handle.answerDelayMs > 0) await sleep(handle.answerDelayMs);
      return result;
    },
    async saveMessages(messages) {
      const result = await store.saveMessages(messages);
      handle.saves += messages.length;
      if (handle.answerDelayMs > 0) await sleep(handle.answerDelayMs);
      return result;
    },
  };
  const service: ChatServiceHandle = createChatService({ store: delayed, port, logger, shutdownTimeoutMs: 100 });
  teardown.push(() => service.stop());
  await service.start();
  return handle;
}

/** Starts `src/main.ts` as a child and waits until it answers. */
export async function graphql(url: string, query: string, variables: Record<string, unknown>, token: string) {
  const response = await fetch(url.endsWith('/graphql') ? url : `${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

const SEND = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id content } } }';

/** A sender that remembers every ack and every refusal, by content. */
export async function createSender(gatewayUrl: () => string, userId = 'alice') {
  const token = await tokenFor(userId, userId);
  const created = await graphql(gatewayUrl(), 'mutation { createGroup(name: "Durability") { id } }', {}, token);
  if (!created.data) throw new Error(`createGroup failed: ${JSON.stringify(created.errors)}`);
  const groupId: string = created.data.createGroup.id;
  const acked = new Map<string, string>();
  const refusals: string[] = [];
  /** Contents of the sends that answered UNAVAILABLE. */
  const unavailable = new Set<string>();
  let next = 0;
  return {
    groupId,
    acked,
    refusals,
    unavailable,
    /** Sends one message; answers its id when acked, or the error code. */
    async send(): Promise<{ id?: string; code?: string }> {
      const content = `message ${++next}`;
      let result;
      try {
        result = await graphql(gatewayUrl(), SEND, { input: { groupId, content } }, token);
      } catch {
        refusals.push('NETWORK');
        return { code: 'NETWORK' };
      }
      const id: string | undefined = result.data?.sendMessage?.message?.id;
      if (id) {
        acked.set(id, content);
        return { id };
      }
      const code = result.errors?.[0]?.extensions?.code ?? 'UNKNOWN';
      refusals.push(code);
      if (code === 'UNAVAILABLE') unavailable.add(content);
      return { code };
    },
    async burst(count: number, concurrency = 10) {
      let left = count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) await this.send();
        }),
      );
    },
  };
}

export { sleep };

/**
 * The promise under test: what PostgreSQL holds for the group is exactly what was acked, each
 * message once (by id, and by content: a message stored twice under two ids would show there).
 */
export async function expectStoredEqualsAcked(
  chat: TestChatService,
  sender: { groupId: string; acked: Map<string, string>; unavailable?: Set<string> },
  timeoutMs = 20_000,
  options: { inFlightAtCrash?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const expected = [...sender.acked.keys()].sort();
  for (;;) {
    // A send under way when Redis died may have been committed with its answer lost: the client
    // saw UNAVAILABLE (and would send it again). Such a message is stored, not acked; it is
    // tolerated only for sends that did answer UNAVAILABLE, and only as many as were in flight.
    const all = await chat.stored(sender.groupId);
    const unackedButStored = all.filter((row) => !sender.acked.has(row.id) && sender.unavailable?.has(row.content));
    if (unackedButStored.length > (options.inFlightAtCrash ?? 0)) {
      throw new Error(`${unackedButStored.length} messages stored whose sends answered UNAVAILABLE`);
    }
    const stored = all.filter((row) => !unackedButStored.includes(row));
    const ids = stored.map((row) => row.id).sort();
    const contents = stored.map((row) => row.content);
    const same = ids.length === expected.length && ids.every((id, index) => id === expected[index]);
    if (same) {
      if (new Set(contents).size !== contents.length) throw new Error('a message was stored twice under two ids');
      for (const row of stored) {
        if (sender.acked.get(row.id) !== row.content) throw new Error(`message ${row.id} was stored with other content`);
      }
      return;
    }
    if (Date.now() > deadline || ids.length > expected.length) {
      const missing = expected.filter((id) => !ids.includes(id));
      const extra = ids.filter((id) => !sender.acked.has(id));
      throw new Error(
        `stored ${ids.length} messages, acked ${expected.length}: missing ${JSON.stringify(missing)}, not acked ${JSON.stringify(extra)}`,
      );
    }
    await sleep(100);
  }
}
