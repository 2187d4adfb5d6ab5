/** menu.app's X-Request-ID replays: the first reply to each request id of a client. Plain SQL. */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE menuapp_requests (
      -- The client's id, or its Application header when the face runs without client keys.
      client_scope text NOT NULL,
      request_id varchar(200) NOT NULL,
      -- SHA-256 of method, URL and body: the same id on another request is refused, not replayed.
      fingerprint char(64) NOT NULL,
      status_code integer,
      content_type text,
      body text,
      claimed_at timestamptz NOT NULL,
      completed_at timestamptz,
      PRIMARY KEY (client_scope, request_id)
    );
    CREATE INDEX menuapp_requests_claimed_idx ON menuapp_requests (claimed_at);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'DROP TABLE menuapp_requests;');
}
