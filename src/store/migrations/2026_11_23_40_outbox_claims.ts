/**
 * Each claim of an outbox message gets a token: an outcome is recorded only under the claim that is current,
 * so a send that outlived its lease cannot overwrite what a later claim did with the same message.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE sms_messages ADD COLUMN claim_id uuid;');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE sms_messages DROP COLUMN claim_id;');
}
