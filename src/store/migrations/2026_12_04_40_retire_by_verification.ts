/**
 * The retirement of a verification's queued texts (every approval, cancel and replaced code runs it) found
 * them through two indexes ANDed: the verification's, and the whole of the recipient index for `kind = 'otp'`,
 * whose predicate the statement's `kind = 'otp'` matched. On statistics never gathered (PGlite has no
 * autovacuum; a new PostgreSQL database has none before its first analyze) the planner took that plan and
 * read every OTP text's entry: 0.25 ms of a check's 1.3 ms in PostgreSQL with 8,000 texts, growing with the
 * outbox. The texts are now found by their verification and status (materialized: `kind` is tested after that
 * scan, so no plan can reach for the recipient index; no index covers `status`), and each is updated only if it
 * is still queued when its row is locked (the dispatcher may have claimed it meanwhile).
 */
import { sql, type Kysely } from 'kysely';
import { FUNCTIONS } from './2026_12_03_90_hot_paths.js';

/** The texts of the verifications `ids` still queued, failed as superseded; their ids as one array (`into`). */
export const retireQueuedOtps = (ids: string, retiredAt: string, into = '') => `
    WITH texts AS MATERIALIZED (
      SELECT id, kind FROM sms_messages WHERE verification_id = ANY(${ids}) AND status = 'queued'),
    r AS (
      UPDATE sms_messages m SET status = 'failed', body_sealed = NULL, code_sealed = NULL,
        error_code = 'superseded', error_message = 'not sent: its code was replaced, used or canceled first',
        failed_at = ${retiredAt}, updated_at = ${retiredAt}
      FROM texts t
      WHERE m.id = t.id AND t.kind = 'otp' AND m.status = 'queued'
      RETURNING m.id)
    SELECT array_agg(id)${into} FROM r`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION otp_retire_queued_otps(ids uuid[], retired_at timestamptz)
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        retired uuid[];
      BEGIN
        ${retireQueuedOtps('ids', 'retired_at', ' INTO retired')};
        IF retired IS NOT NULL THEN PERFORM otp_messages_changed(retired, retired_at); END IF;
      END $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const original = FUNCTIONS.find((statement) => statement.includes('FUNCTION otp_retire_queued_otps('));
  if (original === undefined) throw new Error('otp_retire_queued_otps is not in 2026_12_03_90');
  await sql.raw(original).execute(db);
}
