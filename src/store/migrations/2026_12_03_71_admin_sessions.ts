/**
 * Operator console sessions: only a hash of the cookie's token is kept, so a copy of the table signs nobody
 * in. Rows live in the database (not a node's memory) so that any node behind a load balancer knows them.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE admin_sessions (
      token_hash text PRIMARY KEY,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'DROP TABLE admin_sessions;');
}
