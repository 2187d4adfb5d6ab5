/** The CBSS face's own state: login sessions (the salt its signatures use) and used signatures. Plain SQL. */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE cbss_sessions (
      id uuid PRIMARY KEY,
      client_code text NOT NULL,
      customer_id uuid NOT NULL REFERENCES customers (id),
      login_salt text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    -- A signed request names its session by client (and customer, when it gives an Identity): newest first.
    CREATE INDEX cbss_sessions_client_idx ON cbss_sessions (client_code, created_at DESC);
    CREATE INDEX cbss_sessions_customer_idx ON cbss_sessions (customer_id, client_code);
    CREATE INDEX cbss_sessions_expires_idx ON cbss_sessions (expires_at);
    CREATE TABLE cbss_used_signatures (
      signature char(64) PRIMARY KEY,
      client_code text NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX cbss_used_signatures_expires_idx ON cbss_used_signatures (expires_at);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'DROP TABLE cbss_used_signatures, cbss_sessions;');
}
