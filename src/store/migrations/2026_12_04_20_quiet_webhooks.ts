/**
 * A deployment with no webhooks (most: an OTP service's clients ask for the outcome) paid for queueing
 * webhook events anyway: otp_verifications_changed ran its insert over a join that found no target, 0.4 ms of
 * a check's 1.5 ms in PostgreSQL, measured by CPU time per request under load. Both event functions now
 * return at once when no client has a webhook (an empty table's look); the rest is as in 2026_12_03_90.
 */
import { sql, type Kysely } from 'kysely';
import { FUNCTIONS } from './2026_12_03_90_hot_paths.js';

const EVENTS = (table: 'verifications' | 'sms_messages', alias: 'v' | 'm', kind: string, data: string) => `
  CREATE OR REPLACE FUNCTION otp_${kind}s_changed(ids uuid[], changed_at timestamptz)
  RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM client_webhooks) THEN RETURN; END IF;
    INSERT INTO webhook_deliveries
      (id, client_id, event_type, subject_id, data, status, next_attempt_at, created_at, updated_at)
    SELECT gen_random_uuid(), t.client_id, '${kind}.' || ${alias}.status, ${alias}.id, ${data}(${alias}),
      'pending', changed_at, changed_at, changed_at
    FROM ${table} ${alias} JOIN webhook_targets t ON t.tenant = ${alias}.tenant
    WHERE ${alias}.id = ANY(ids);
  END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(EVENTS('verifications', 'v', 'verification', 'otp_verification_event')).execute(db);
  await sql.raw(EVENTS('sms_messages', 'm', 'message', 'otp_message_event')).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['otp_verifications_changed', 'otp_messages_changed']) {
    const original = FUNCTIONS.find((statement) => statement.includes(`FUNCTION ${name}(`));
    if (original === undefined) throw new Error(`${name} is not in 2026_12_03_90`);
    await sql.raw(original).execute(db);
  }
}
