/**
 * A check writes fewer row versions, with the same locks and the same outcomes (2026_12_03_90 says what a
 * check does):
 * - the phone's guards are locked with SELECT ... FOR UPDATE, this tenant's then the one across tenants (the
 *   order every caller takes), and created only if missing (the start writes them; retention may have
 *   purged them since): the upsert wrote a new version of both rows at every check. A check no longer
 *   refreshes an idle guard's updated_at, which loses nothing: retention keeps a guard with failures or a
 *   lock-out in force, a wrong check updates both rows, and the across-tenants window (an hour) ends long
 *   before retention's idle day;
 * - the count of the check and the approval are one UPDATE: the code is compared in it, under the row's lock
 *   (a concurrent check waits and is compared again on the row it then sees), so a right code writes one
 *   version of the verification instead of two.
 */
import { sql, type Kysely } from 'kysely';
import { FUNCTIONS } from './2026_12_03_90_hot_paths.js';

const OTP_CHECK = `CREATE OR REPLACE FUNCTION otp_check(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
  DECLARE
    check_id uuid := (p->>'id')::uuid;
    now_ts timestamptz := (p->>'now')::timestamptz;
    lim jsonb := p->'limits';
    across_window interval := make_interval(secs => (lim->>'allTenantsWindowSeconds')::int);
    salt text := p->>'salt';
    candidate text := md5(salt || (p->>'candidate'));
    v verifications;
    own phone_guards;
    across phone_guards;
    guarded boolean;
    until timestamptz;
    locked boolean := false;
  BEGIN
    SELECT * INTO v FROM verifications WHERE id = check_id;
    IF NOT FOUND OR v.tenant <> p->>'tenant' THEN
      RETURN jsonb_build_object('refused', 'verification_not_found');
    END IF;
    IF p->'effectPurposes' ? v.purpose THEN RETURN jsonb_build_object('needsTransaction', true); END IF;
    SELECT * INTO own FROM phone_guards WHERE phone = v.phone AND tenant = v.tenant FOR UPDATE;
    guarded := FOUND;
    IF guarded THEN
      SELECT * INTO across FROM phone_guards WHERE phone = v.phone AND tenant = p->>'allTenants' FOR UPDATE;
      guarded := FOUND;
    END IF;
    IF NOT guarded THEN
      INSERT INTO phone_guards (phone, tenant, locked_until, updated_at)
      VALUES (v.phone, v.tenant, NULL, now_ts), (v.phone, p->>'allTenants', NULL, now_ts)
      ON CONFLICT (phone, tenant) DO UPDATE SET updated_at = EXCLUDED.updated_at;
      SELECT * INTO own FROM phone_guards WHERE phone = v.phone AND tenant = v.tenant;
      SELECT * INTO across FROM phone_guards WHERE phone = v.phone AND tenant = p->>'allTenants';
    END IF;
    until := greatest(own.locked_until, across.locked_until);
    IF until > now_ts THEN
      INSERT INTO verification_checks (verification_id, result, created_at) VALUES (check_id, 'phone_locked', now_ts);
      RETURN jsonb_build_object('refused', 'phone_locked', 'until', until);
    END IF;
    -- The row lock makes concurrent checks queue here and test the condition and the code again on the row
    -- they then see: of two right codes racing, one approves.
    UPDATE verifications SET checks = checks + 1, updated_at = now_ts,
      status = CASE WHEN md5(salt || code_hash) = candidate THEN 'approved' ELSE status END,
      approved_at = CASE WHEN md5(salt || code_hash) = candidate THEN now_ts ELSE approved_at END
    WHERE id = check_id AND status = 'pending' AND expires_at > now_ts AND checks < max_checks
    RETURNING * INTO v;
    IF NOT FOUND THEN RETURN otp_check_refusal(p, check_id, now_ts); END IF;
    IF v.status = 'approved' THEN
      PERFORM otp_verifications_changed(ARRAY[check_id], now_ts);
      INSERT INTO verification_checks (verification_id, result, created_at) VALUES (check_id, 'approved', now_ts);
      -- A success clears the tenant's count; the ceiling across tenants keeps its window.
      IF own.failed_checks <> 0 THEN
        UPDATE phone_guards SET failed_checks = 0, updated_at = now_ts
        WHERE phone = own.phone AND tenant = own.tenant;
      END IF;
      PERFORM otp_retire_queued_otps(ARRAY[check_id], now_ts);
      -- Last: the range's minute rows are shared by every check there.
      IF v.counted_prefixes IS NOT NULL THEN
        INSERT INTO send_counts (tenant, prefix, bucket, shard, sent, approved)
        SELECT v.tenant, prefix, date_trunc('minute', v.created_at), 1 + floor(random() * 8)::int, 0, 1
        FROM unnest(v.counted_prefixes) AS prefix
        ON CONFLICT (tenant, prefix, bucket, shard) DO UPDATE SET approved = send_counts.approved + 1;
      END IF;
    ELSE
      INSERT INTO verification_checks (verification_id, result, created_at) VALUES (check_id, 'wrong_code', now_ts);
      own.failed_checks := own.failed_checks + 1;
      IF own.failed_checks >= (lim->>'maxFailedChecksPerPhone')::int THEN
        own.locked_until := now_ts + make_interval(secs => (lim->>'phoneLockoutSeconds')::int);
        own.failed_checks := 0;
        locked := true;
      END IF;
      -- Fixed windows: at most twice the ceiling in any window's span.
      IF across.window_started_at IS NULL OR across.window_started_at + across_window <= now_ts THEN
        across.window_started_at := now_ts;
        across.failed_checks := 0;
      END IF;
      across.failed_checks := across.failed_checks + 1;
      IF across.failed_checks >= (lim->>'maxFailedChecksPerPhoneAllTenants')::int THEN
        across.locked_until := across.window_started_at + across_window;
        across.failed_checks := 0;
        locked := true;
      END IF;
      UPDATE phone_guards SET failed_checks = own.failed_checks, locked_until = own.locked_until,
        window_started_at = own.window_started_at, updated_at = now_ts
      WHERE phone = own.phone AND tenant = own.tenant;
      UPDATE phone_guards SET failed_checks = across.failed_checks, locked_until = across.locked_until,
        window_started_at = across.window_started_at, updated_at = now_ts
      WHERE phone = across.phone AND tenant = across.tenant;
      IF v.checks >= v.max_checks THEN
        UPDATE verifications SET status = 'max_attempts_reached', updated_at = now_ts
        WHERE id = check_id AND status = 'pending'
        RETURNING * INTO v;
        PERFORM otp_verifications_changed(ARRAY[check_id], now_ts);
      END IF;
    END IF;
    RETURN jsonb_build_object(
      'valid', v.status = 'approved',
      'lockedOut', locked,
      'verification', to_jsonb(v),
      'sends', (SELECT coalesce(jsonb_agg(jsonb_build_object(
          'messageId', message_id, 'channel', channel, 'at', created_at) ORDER BY id), '[]'::jsonb)
        FROM verification_sends WHERE verification_id = check_id));
  END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(OTP_CHECK).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const original = FUNCTIONS.find((statement) => statement.includes('FUNCTION otp_check(p jsonb)'));
  if (original === undefined) throw new Error('otp_check is not in 2026_12_03_90');
  await sql.raw(original).execute(db);
}
