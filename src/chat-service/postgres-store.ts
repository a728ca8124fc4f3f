import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Group, Message, User } from '../chat-rpc/generated/chat.js';
import { migrate } from './postgres-migrations.js';
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

export interface PostgresChatStoreOptions {
  /** `postgres://user:password@host:port/database` (`DATABASE_URL`). */
  connectionString: string;
  /**
   * The schema the tables live in, created when missing; default none: the connection's own
   * search_path (usually `public`). Lets several deployments or test runs share one database.
   */
  schema?: string;
  /** Connections in the pool, default 10. */
  poolSize?: number;
  /** A query without an answer within this time fails, default 5000 ms. */
  statementTimeoutMs?: number;
}

/** PostgreSQL error codes the store turns into caller errors. */
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

const MESSAGE_COLUMNS = 'id, group_id, seq, sender_id, msg_type, content, image_url, client_message_id, created_at_ms';

interface MessageRow {
  id: string;
  group_id: string;
  seq: string;
  sender_id: string;
  msg_type: number;
  content: string;
  image_url: string;
  client_message_id: string;
  created_at_ms: string;
}

interface GroupRow {
  id: string;
  name: string;
  created_by: string;
  created_at_ms: string;
  unread_count?: string | null;
}

const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  groupId: row.group_id,
  seq: Number(row.seq),
  senderId: row.sender_id,
  msgType: row.msg_type,
  content: row.content,
  imageUrl: row.image_url,
  clientMessageId: row.client_message_id,
  createdAtMs: Number(row.created_at_ms),
});

const toGroup = (row: GroupRow, withUnread: boolean): Group => ({
  id: row.id,
  name: row.name,
  createdBy: row.created_by,
  createdAtMs: Number(row.created_at_ms),
  ...(withUnread ? { unreadCount: Number(row.unread_count ?? 0) } : {}),
});

/**
 * The member's unread count as a correlated subquery over `m` (members): messages above the read
 * marker sent by someone else. The (group_id, seq) index makes it a range scan.
 */
const UNREAD_OF_MEMBER = `(SELECT count(*) FROM messages x
  WHERE x.group_id = m.group_id AND x.seq > m.read_seq AND x.sender_id <> m.user_id)`;

/**
 * A `ChatStore` in PostgreSQL, through a connection pool, with parameterised queries only. The
 * schema is brought up to date before the store is handed out. Each method is one statement or one
 * transaction, so concurrent services on the same database stay consistent.
 */
export async function createPostgresChatStore(options: PostgresChatStoreOptions): Promise<ChatStore> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Schema name "${schema}" must be a lower-case SQL identifier.`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    // The search_path is a connection setting, so every pooled connection lands in the schema.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection that breaks (database restart) is replaced on next use; unhandled, it would crash.
  pool.on('error', () => {});

  try {
    if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const query = <Row extends pg.QueryResultRow>(text: string, values: unknown[] = []) => pool.query<Row>(text, values);

  const transaction = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };

  const assertGroup = async (groupId: string, client: Pick<pg.Pool, 'query'> = pool) => {
    const found = await client.query('SELECT 1 FROM groups WHERE id = $1', [groupId]);
    if (found.rowCount === 0) throw groupNotFound(groupId);
  };

  // Membership references users, as in the in-memory store: a member always has a name.
  const ensureUser = (client: pg.PoolClient, userId: string) =>
    client.query('INSERT INTO users (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [userId]);

  const groupFor = async (groupId: string, userId?: string, client: Pick<pg.Pool, 'query'> = pool): Promise<Group> => {
    const { rows } = await client.query<GroupRow>(
      `SELECT g.id, g.name, g.created_by, g.created_at_ms,
              ${UNREAD_OF_MEMBER} AS unread_count
         FROM groups g
         LEFT JOIN members m ON m.group_id = g.id AND m.user_id = $2
        WHERE g.id = $1`,
      [groupId, userId ?? ''],
    );
    const row = rows[0];
    if (!row) throw groupNotFound(groupId);
    return toGroup(row, userId !== undefined);
  };

  const store: ChatStore = {
    async upsertUser(id, name = '') {
      const { rows } = await query<User>(
        `INSERT INTO users (id, name) VALUES ($1, CASE WHEN $2 = '' THEN $1 ELSE $2 END)
         ON CONFLICT (id) DO UPDATE SET name = CASE WHEN $2 = '' THEN users.name ELSE $2 END
         RETURNING id, name`,
        [id, name],
      );
      return rows[0]!;
    },

    async getUsers(ids) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      const { rows } = await query<User>('SELECT id, name FROM users WHERE id = ANY($1::text[])', [unique]);
      const byId = new Map(rows.map((user) => [user.id, user]));
      return unique.flatMap((id) => {
        const user = byId.get(id);
        return user ? [{ id: user.id, name: user.name }] : [];
      });
    },

    async createGroup({ name, creatorId }) {
      const id = randomUUID();
      return transaction(async (client) => {
        await ensureUser(client, creatorId);
        await client.query('INSERT INTO groups (id, name, created_by, created_at_ms) VALUES ($1, $2, $3, $4)', [
          id,
          name,
          creatorId,
          Date.now(),
        ]);
        await client.query('INSERT INTO members (group_id, user_id, read_seq) VALUES ($1, $2, 0)', [id, creatorId]);
        return groupFor(id, creatorId, client);
      });
    },

    getGroup: (groupId, options = {}) => groupFor(groupId, options.userId),

    async joinGroup(groupId, userId) {
      return transaction(async (client) => {
        await assertGroup(groupId, client);
        await ensureUser(client, userId);
        // A new member starts with everything stored so far marked read.
        await client.query(
          `INSERT INTO members (group_id, user_id, read_seq)
           VALUES ($1, $2, (SELECT coalesce(max(seq), 0) FROM messages WHERE group_id = $1))
           ON CONFLICT (group_id, user_id) DO NOTHING`,
          [groupId, userId],
        );
        return groupFor(groupId, userId, client);
      });
    },

    async leaveGroup(groupId, userId) {
      await assertGroup(groupId);
      const deleted = await query('DELETE FROM members WHERE group_id = $1 AND user_id = $2', [groupId, userId]);
      return { wasMember: (deleted.rowCount ?? 0) > 0 };
    },

    async isMember(groupId, userId) {
      const { rows } = await query<{ member: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM members WHERE group_id = g.id AND user_id = $2) AS member
           FROM groups g WHERE g.id = $1`,
        [groupId, userId],
      );
      if (!rows[0]) throw groupNotFound(groupId);
      return rows[0].member;
    },

    async memberships(checks) {
      if (checks.length === 0) return [];
      const { rows } = await query<{ found: boolean; member: boolean }>(
        `SELECT g.id IS NOT NULL AS found,
                EXISTS (SELECT 1 FROM members m WHERE m.group_id = g.id AND m.user_id = c.user_id) AS member
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(group_id, user_id, position)
           LEFT JOIN groups g ON g.id = c.group_id
          ORDER BY c.position`,
        [checks.map((check) => check.groupId), checks.map((check) => check.userId)],
      );
      return rows.map((row) => (!row.found ? 'no-such-group' : row.member ? 'member' : 'not-member'));
    },

    async listUserGroups(userId, page: GroupPage = {}) {
      const limit = resolvePageSize(page.limit, DEFAULT_GROUP_PAGE_SIZE, MAX_GROUP_PAGE_SIZE);
      const { rows } = await query<GroupRow>(
        `SELECT g.id, g.name, g.created_by, g.created_at_ms, ${UNREAD_OF_MEMBER} AS unread_count
           FROM members m JOIN groups g ON g.id = m.group_id
          WHERE m.user_id = $1 AND m.group_id > $2
          ORDER BY m.group_id
          LIMIT $3`,
        [userId, page.afterGroupId ?? '', limit + 1],
      );
      return { groups: rows.slice(0, limit).map((row) => toGroup(row, true)), hasMore: rows.length > limit };
    },

    async listGroupMembers(groupId) {
      await assertGroup(groupId);
      const { rows } = await query<User>(
        `SELECT m.user_id AS id, coalesce(u.name, m.user_id) AS name
           FROM members m LEFT JOIN users u ON u.id = m.user_id
          WHERE m.group_id = $1
          ORDER BY m.user_id`,
        [groupId],
      );
      return rows;
    },

    saveMessages(messages) {
      return saveEachInOrder(store, messages);
    },

    async saveMessage(message) {
      assertSeq(message.seq, 'seq', false);
      const stored: Message = { ...message, createdAtMs: message.createdAtMs || Date.now() };
      let created: boolean;
      try {
        // One statement: the message and the sender's read marker move together or not at all.
        const { rows } = await query<{ created: boolean }>(
          `WITH inserted AS (
             INSERT INTO messages (${MESSAGE_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO NOTHING
             RETURNING group_id, sender_id, seq
           ), marked AS (
             UPDATE members m SET read_seq = i.seq
               FROM inserted i
              WHERE m.group_id = i.group_id AND m.user_id = i.sender_id AND m.read_seq < i.seq
           )
           SELECT EXISTS (SELECT 1 FROM inserted) AS created`,
          [
            stored.id,
            stored.groupId,
            stored.seq,
            stored.senderId,
            stored.msgType,
            stored.content,
            stored.imageUrl,
            stored.clientMessageId,
            stored.createdAtMs,
          ],
        );
        created = rows[0]!.created;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === FOREIGN_KEY_VIOLATION) throw groupNotFound(message.groupId);
        if (code === UNIQUE_VIOLATION) {
          throw new ChatStoreError(
            'already-exists',
            `Seq ${message.seq} of group "${message.groupId}" is already taken by another message.`,
          );
        }
        throw error;
      }
      if (created) return { created: true };
      // The id was taken: a retry of the same message, or a reuse of its id for another one.
      const { rows } = await query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [message.id]);
      if (rows[0] && isSameMessage(toMessage(rows[0]), message)) return { created: false };
      throw new ChatStoreError('already-exists', `Message id "${message.id}" is already used by a different message.`);
    },

    async getMessage(messageId) {
      const { rows } = await query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [messageId]);
      if (!rows[0]) throw new ChatStoreError('not-found', `Message "${messageId}" does not exist.`);
      return toMessage(rows[0]);
    },

    async listMessages(groupId, page: MessagePage = {}) {
      const beforeSeq = page.beforeSeq ?? 0;
      assertSeq(beforeSeq, 'beforeSeq', true);
      const afterSeq = page.afterSeq ?? 0;
      assertSeq(afterSeq, 'afterSeq', true);
      const limit = resolvePageSize(page.limit, DEFAULT_MESSAGE_PAGE_SIZE, MAX_MESSAGE_PAGE_SIZE);
      await assertGroup(groupId);
      if (afterSeq > 0) {
        const { rows } = await query<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages
            WHERE group_id = $1 AND seq > $2::bigint AND ($3::bigint = 0 OR seq < $3::bigint)
            ORDER BY seq LIMIT $4`,
          [groupId, afterSeq, beforeSeq, limit],
        );
        return rows.map(toMessage);
      }
      const { rows } = await query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
          WHERE group_id = $1 AND ($2::bigint = 0 OR seq < $2::bigint)
          ORDER BY seq DESC LIMIT $3`,
        [groupId, beforeSeq, limit],
      );
      return rows.reverse().map(toMessage);
    },

    async getLastSeq(groupId) {
      const { rows } = await query<{ last_seq: string }>(
        `SELECT (SELECT coalesce(max(seq), 0) FROM messages WHERE group_id = g.id) AS last_seq
           FROM groups g WHERE g.id = $1`,
        [groupId],
      );
      if (!rows[0]) throw groupNotFound(groupId);
      return Number(rows[0].last_seq);
    },

    async markRead(groupId, userId, seq) {
      assertSeq(seq, 'seq', true);
      const { rows } = await query<{ unread_count: string }>(
        `WITH marked AS (
           UPDATE members SET read_seq = GREATEST(read_seq, $3::bigint)
            WHERE group_id = $1 AND user_id = $2
            RETURNING group_id, user_id, read_seq
         )
         SELECT ${UNREAD_OF_MEMBER} AS unread_count FROM marked m`,
        [groupId, userId, seq],
      );
      if (!rows[0]) {
        await assertGroup(groupId);
        throw notAMember(groupId);
      }
      return { unreadCount: Number(rows[0].unread_count) };
    },

    async close() {
      await pool.end();
    },
  };
  return store;
}
