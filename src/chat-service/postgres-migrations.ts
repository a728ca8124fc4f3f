import type { Pool } from 'pg';

/**
 * The PostgreSQL schema, as ordered steps that are applied once each and never edited after
 * release: a change is a new step. Ids are compared byte-wise (COLLATE "C"), as JavaScript compares
 * strings, so that paging by id agrees with the in-memory store whatever the database's locale.
 */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'users, groups, members, messages',
    sql: `
      CREATE TABLE users (
        id   text COLLATE "C" PRIMARY KEY,
        name text NOT NULL
      );
      CREATE TABLE groups (
        id            text COLLATE "C" PRIMARY KEY,
        name          text NOT NULL,
        created_by    text NOT NULL,
        created_at_ms bigint NOT NULL
      );
      CREATE TABLE members (
        group_id text COLLATE "C" NOT NULL REFERENCES groups (id),
        user_id  text COLLATE "C" NOT NULL REFERENCES users (id),
        -- Every message with a seq up to this one counts as read.
        read_seq bigint NOT NULL,
        PRIMARY KEY (group_id, user_id)
      );
      CREATE INDEX members_by_user ON members (user_id, group_id);
      CREATE TABLE messages (
        id                text COLLATE "C" PRIMARY KEY,
        group_id          text COLLATE "C" NOT NULL REFERENCES groups (id),
        seq               bigint NOT NULL,
        sender_id         text NOT NULL,
        msg_type          integer NOT NULL,
        content           text NOT NULL,
        image_url         text NOT NULL,
        client_message_id text NOT NULL,
        created_at_ms     bigint NOT NULL,
        CONSTRAINT messages_group_seq UNIQUE (group_id, seq)
      );
    `,
  },
];

/**
 * Brings the schema up to date. Each step runs in its own transaction with its record in
 * `schema_migrations`; an advisory lock makes services starting together take turns instead of
 * racing to create the same tables.
 */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied: number[] = [];
    for (const step of migrations) {
      await client.query('BEGIN');
      try {
        // Scoped to this schema's migrations table, released at COMMIT or ROLLBACK.
        await client.query(`SELECT pg_advisory_xact_lock(to_regclass('schema_migrations')::oid::bigint)`);
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [step.version]);
        if (done.rowCount === 0) {
          await client.query(step.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
          applied.push(step.version);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
    return applied;
  } finally {
    client.release();
  }
}
