/**
 * An index under every foreign key. Without them an approval's retirement of its queued texts
 * (sms_messages.verification_id) scanned the whole outbox, and so did every delete that checks a reference
 * (retention). None of these columns is ever updated, so the indexes cost nothing to HOT updates.
 */
import type { Kysely } from 'kysely';
import { runStatements } from './run-statements.js';

const INDEXES = [
  ['sms_messages_verification_idx', 'sms_messages (verification_id)'],
  ['sms_messages_client_idx', 'sms_messages (client_id)'],
  ['verification_sends_message_idx', 'verification_sends (message_id)'],
  ['verifications_customer_idx', 'verifications (customer_id)'],
  ['verifications_client_idx', 'verifications (client_id)'],
  ['customers_client_idx', 'customers (client_id)'],
  ['customers_mobile_country_idx', 'customers (mobile_country_id)'],
  ['customers_emirate_idx', 'customers (emirate_id)'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    INDEXES.map(([name, on]) => `CREATE INDEX IF NOT EXISTS ${name} ON ${on};`).join('\n'),
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, INDEXES.map(([name]) => `DROP INDEX IF EXISTS ${name};`).join('\n'));
}
