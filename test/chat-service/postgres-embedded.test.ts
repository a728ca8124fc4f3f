import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, ok, startGateway, tokenFor } from '../support/gateway.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `embedded_${randomBytes(6).toString('hex')}`;
const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
// The search_path rides in the URL, as an operator may set it.
const databaseUrl = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

beforeAll(async () => {
  await admin.query(`CREATE SCHEMA ${schema}`);
});
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

it('runs the embedded Chat service on PostgreSQL when DATABASE_URL is set, and keeps messages across restarts', async () => {
  const alice = await tokenFor('alice', 'Alice');
  const first = await startGateway({ DATABASE_URL: databaseUrl });
  let groupId: string;
  let messageId: string;
  try {
    groupId = (await ok(first, 'mutation { createGroup(name: "Kept") { id } }', {}, alice)).createGroup.id;
    const sent = await ok(
      first,
      'mutation($g: ID!) { sendMessage(input: { groupId: $g, content: "still here" }) { message { id } } }',
      { g: groupId },
      alice,
    );
    messageId = sent.sendMessage.message.id;
    await eventually(async () => {
      const { rows } = await admin.query(`SELECT id, content FROM ${schema}.messages`);
      expect(rows).toEqual([{ id: messageId, content: 'still here' }]);
    });
  } finally {
    await first.stop();
  }

  const second = await startGateway({ DATABASE_URL: databaseUrl });
  try {
    const history = await ok(second, 'query($g: ID!) { messages(groupId: $g) { id content } }', { g: groupId }, alice);
    expect(history.messages).toEqual([{ id: messageId, content: 'still here' }]);
    const groups = await ok(second, '{ myGroups { id name } }', {}, alice);
    expect(groups.myGroups).toEqual([{ id: groupId, name: 'Kept' }]);
  } finally {
    await second.stop();
  }
});
