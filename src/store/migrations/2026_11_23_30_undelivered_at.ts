/** The undelivered transition gets its own timestamp: every status change is timestamped. */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE sms_messages ADD COLUMN undelivered_at timestamptz;');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE sms_messages DROP COLUMN undelivered_at;');
}
