import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createPostgresChatStore } from '../../src/chat-service/postgres-store.js';
import { migrations } from '../../src/chat-service/postgres-migrations.js';
import type { ChatStore } from '../../src/chat-service/store.js';
import { describeChatStore } from './chat-store-contract.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every store of this run lives in a schema of its own, dropped at the end. */
const run = `chat_test_${randomBytes(4).toString('hex')}`;
let schemas = 0;
const open: ChatStore[] = [];
const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });

async function freshStore(schema = `${run}_${++schemas}`): Promise<ChatStore> {
  const store = await createPostgresChatStore({ connectionString: DATABASE_URL, schema, poolSize: 2 });
  open.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  const { rows } = await admin.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [
    `${run}_%`,
  ]);
  for (const { nspname } of rows) await admin.query(`DROP SCHEMA ${nspname} CASCADE`);
  await admin.end();
});

describeChatStore('postgres', () => freshStore());

describe('createPostgresChatStore', () => {
  it('migrates once: a second store on the same schema finds the tables and keeps the data', async () => {
    const schema = `${run}_${++schemas}`;
    const first = await freshStore(schema);
    const group = await first.createGroup({ name: 'Chess club', creatorId: 'alice' });
    await Promise.all([freshStore(schema), freshStore(schema)]);
    const again = await freshStore(schema);
    expect((await again.getGroup(group.id)).name).toBe('Chess club');
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows.map((row) => row.version)).toEqual(migrations.map((step) => step.version));
  });

  it('keeps SQL in parameters: quotes and injections are stored as text', async () => {
    const store = await freshStore();
    const name = `Robert'); DROP TABLE messages; --`;
    const group = await store.createGroup({ name, creatorId: "o'brien" });
    expect((await store.getGroup(group.id)).name).toBe(name);
    expect(await store.listGroupMembers(group.id)).toEqual([{ id: "o'brien", name: "o'brien" }]);
  });

  it('stores the same message once when saves race, and agrees with the in-memory store on ids', async () => {
    const store = await freshStore();
    const group = await store.createGroup({ name: 'Race', creatorId: 'alice' });
    const message = {
      id: 'm-race',
      groupId: group.id,
      seq: 1,
      senderId: 'alice',
      msgType: 1,
      content: 'hi',
      imageUrl: '',
      clientMessageId: '',
      createdAtMs: 1,
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => store.saveMessage(message)));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await store.listMessages(group.id)).toEqual([message]);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(createPostgresChatStore({ connectionString: DATABASE_URL, schema: 'x; DROP' })).rejects.toThrow(
      /identifier/,
    );
  });
});
