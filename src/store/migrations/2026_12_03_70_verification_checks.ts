/**
 * Every check of a code, with how it ended, so an operator can read a verification's history (the
 * verification row keeps only the count). Indexes for the console's lists and overview, which read by period.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE verification_checks (
      id bigserial PRIMARY KEY,
      verification_id uuid NOT NULL REFERENCES verifications (id),
      result text NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX verification_checks_verification_idx ON verification_checks (verification_id);
    CREATE INDEX verifications_created_idx ON verifications (created_at DESC, id DESC);
    CREATE INDEX sms_messages_created_idx ON sms_messages (created_at DESC, id DESC);
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    DROP INDEX sms_messages_created_idx;
    DROP INDEX verifications_created_idx;
    DROP TABLE verification_checks;
    `,
  );
}
