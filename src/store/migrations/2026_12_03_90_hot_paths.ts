/**
 * The hot paths in one round trip each (issue 14). A start of a verification was ten statements (begin, the
 * phone's guards, the send window, older codes retired, four inserts, the send guard, commit), each a round
 * trip whose socket writes were most of the service's CPU. Here the store's part of a start is one call of
 * otp_start: the domain still decides everything it decided (code, texts, limits, what a refusal says) and
 * hands the rows and the limits over; the function applies them in the order the transaction did, each
 * statement with a fresh snapshot (PL/pgSQL in READ COMMITTED), so a count taken after the phone's guard is
 * locked sees every send committed before it, exactly as before.
 *
 * The webhook event data and the retirement of queued codes become SQL functions the TypeScript store calls
 * too, so each is written once.
 */
import { sql, type Kysely } from 'kysely';

export const FUNCTIONS = [
  // The send guard's prefixes a start counted, so that its approval converts them in the same statement.
  `ALTER TABLE verifications ADD COLUMN counted_prefixes text[]`,
  // A minute's approvals spread over shards 1 to 8 (its sends stay on shard 0): see store/send-guard.ts.
  `ALTER TABLE send_counts ADD COLUMN shard smallint NOT NULL DEFAULT 0`,
  `ALTER TABLE send_counts DROP CONSTRAINT send_counts_pkey`,
  `ALTER TABLE send_counts ADD PRIMARY KEY (tenant, prefix, bucket, shard)`,
  `CREATE OR REPLACE FUNCTION otp_iso(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  $$`,
  // A verification as a webhook event's data (docs/webhooks.md).
  `CREATE OR REPLACE FUNCTION otp_verification_event(v verifications) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
      'id', v.id, 'to', v.phone, 'channel', v.channel, 'status', v.status, 'purpose', v.purpose,
      'customerId', v.customer_id, 'checks', v.checks, 'maxChecks', v.max_checks,
      'expiresAt', otp_iso(v.expires_at), 'createdAt', otp_iso(v.created_at),
      'updatedAt', otp_iso(v.updated_at), 'approvedAt', otp_iso(v.approved_at))
  $$`,
  // A message as a webhook event's data: never its text.
  `CREATE OR REPLACE FUNCTION otp_message_event(m sms_messages) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
      'id', m.id, 'to', m.recipient, 'channel', m.channel, 'kind', m.kind, 'status', m.status,
      'verificationId', m.verification_id, 'parts', m.parts, 'price', m.price, 'currency', m.currency,
      'provider', m.provider,
      'error', CASE WHEN m.error_code IS NULL THEN NULL
        ELSE json_build_object('code', m.error_code, 'message', m.error_message) END,
      'createdAt', otp_iso(m.created_at), 'sentAt', otp_iso(m.sent_at), 'deliveredAt', otp_iso(m.delivered_at),
      'undeliveredAt', otp_iso(m.undelivered_at), 'failedAt', otp_iso(m.failed_at),
      'updatedAt', otp_iso(m.updated_at))
  $$`,
  // Who is told of a tenant's changes: every webhook of its active clients.
  `CREATE OR REPLACE VIEW webhook_targets AS
    SELECT c.tenant, w.client_id FROM api_clients c JOIN client_webhooks w ON w.client_id = c.id WHERE c.active`,
  // PL/pgSQL rather than SQL: a SQL function's statement is planned again at every call (0.6 ms measured
  // within otp_start), a PL/pgSQL one keeps its plan for the session.
  `CREATE OR REPLACE FUNCTION otp_verifications_changed(ids uuid[], changed_at timestamptz)
  RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO webhook_deliveries
      (id, client_id, event_type, subject_id, data, status, next_attempt_at, created_at, updated_at)
    SELECT gen_random_uuid(), t.client_id, 'verification.' || v.status, v.id, otp_verification_event(v),
      'pending', changed_at, changed_at, changed_at
    FROM verifications v JOIN webhook_targets t ON t.tenant = v.tenant
    WHERE v.id = ANY(ids);
  END $$`,
  `CREATE OR REPLACE FUNCTION otp_messages_changed(ids uuid[], changed_at timestamptz)
  RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO webhook_deliveries
      (id, client_id, event_type, subject_id, data, status, next_attempt_at, created_at, updated_at)
    SELECT gen_random_uuid(), t.client_id, 'message.' || m.status, m.id, otp_message_event(m),
      'pending', changed_at, changed_at, changed_at
    FROM sms_messages m JOIN webhook_targets t ON t.tenant = m.tenant
    WHERE m.id = ANY(ids);
  END $$`,
  // A dead code is never sent: the texts of retired verifications still queued fail, told to the webhooks.
  `CREATE OR REPLACE FUNCTION otp_retire_queued_otps(ids uuid[], retired_at timestamptz)
  RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    retired uuid[];
  BEGIN
    WITH r AS (
      UPDATE sms_messages SET status = 'failed', body_sealed = NULL, code_sealed = NULL,
        error_code = 'superseded', error_message = 'not sent: its code was replaced, used or canceled first',
        failed_at = retired_at, updated_at = retired_at
      WHERE verification_id = ANY(ids) AND kind = 'otp' AND status = 'queued'
      RETURNING id)
    SELECT array_agg(id) INTO retired FROM r;
    IF retired IS NOT NULL THEN PERFORM otp_messages_changed(retired, retired_at); END IF;
  END $$`,
  /*
   * The phone's guards, created if needed and locked until the transaction ends (this tenant's, then the one
   * across tenants: every caller takes them in that order), then the send window counted under them.
   * w: {since, max, channel, channelMax} or null (a test number: no window). Answers {} when a code may be
   * sent, else {refused: 'phone_locked', until} or {refused: 'too_many_sends', oldest}.
   */
  `CREATE OR REPLACE FUNCTION otp_admit(p_phone text, p_tenant text, p_all text, p_now timestamptz, w jsonb)
  RETURNS jsonb LANGUAGE plpgsql AS $$
  DECLARE
    until timestamptz;
    sent int;
    oldest timestamptz;
    channel_max int := (w->>'channelMax')::int;
  BEGIN
    WITH g AS (
      INSERT INTO phone_guards (phone, tenant, locked_until, updated_at)
      VALUES (p_phone, p_tenant, NULL, p_now), (p_phone, p_all, NULL, p_now)
      ON CONFLICT (phone, tenant) DO UPDATE SET updated_at = EXCLUDED.updated_at
      RETURNING locked_until)
    SELECT max(locked_until) FILTER (WHERE locked_until > p_now) INTO until FROM g;
    IF until IS NOT NULL THEN RETURN jsonb_build_object('refused', 'phone_locked', 'until', until); END IF;
    IF w IS NULL OR jsonb_typeof(w) <> 'object' THEN RETURN '{}'::jsonb; END IF;
    -- Every channel to this destination counts, and the channel's own limit too (issue 15).
    SELECT count(*), min(created_at) INTO sent, oldest FROM sms_messages
    WHERE recipient = p_phone AND tenant = p_tenant AND kind = 'otp' AND created_at > (w->>'since')::timestamptz;
    IF sent < (w->>'max')::int THEN
      IF channel_max IS NULL THEN RETURN '{}'::jsonb; END IF;
      SELECT count(*), min(created_at) INTO sent, oldest FROM sms_messages
      WHERE recipient = p_phone AND tenant = p_tenant AND kind = 'otp'
        AND created_at > (w->>'since')::timestamptz AND channel = w->>'channel';
      IF sent < channel_max THEN RETURN '{}'::jsonb; END IF;
    END IF;
    RETURN jsonb_build_object('refused', 'too_many_sends', 'oldest', oldest);
  END $$`,
  /*
   * A start: admitted (otp_admit), then by whenPending either the pending verification of the same key named
   * ({pending}, nothing written) or the older ones retired; then the verification, its text (none for a test
   * number) and the send written, and the changes queued for webhooks. Answers otp_admit's refusal,
   * {pending: id} or {retired: [ids]}.
   */
  `CREATE OR REPLACE FUNCTION otp_start(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
  DECLARE
    v verifications := jsonb_populate_record(NULL::verifications, p->'verification');
    admitted jsonb;
    pending uuid;
    retired uuid[];
    message_id uuid;
  BEGIN
    admitted := otp_admit(v.phone, v.tenant, p->>'allTenants', v.created_at, p->'window');
    IF admitted ? 'refused' THEN RETURN admitted; END IF;
    IF p->>'whenPending' <> 'replace' THEN
      SELECT id INTO pending FROM verifications
      WHERE phone = v.phone AND purpose = v.purpose AND status = 'pending' AND tenant = v.tenant
        AND customer_id IS NOT DISTINCT FROM v.customer_id AND service_id IS NOT DISTINCT FROM v.service_id
        AND expires_at > v.created_at
      ORDER BY created_at DESC LIMIT 1;
      IF pending IS NOT NULL THEN RETURN jsonb_build_object('pending', pending); END IF;
    END IF;
    WITH c AS (
      UPDATE verifications SET status = 'canceled', updated_at = v.created_at
      WHERE phone = v.phone AND purpose = v.purpose AND status = 'pending' AND tenant = v.tenant
        AND customer_id IS NOT DISTINCT FROM v.customer_id AND service_id IS NOT DISTINCT FROM v.service_id
      RETURNING id)
    SELECT coalesce(array_agg(id), '{}') INTO retired FROM c;
    IF cardinality(retired) > 0 THEN PERFORM otp_retire_queued_otps(retired, v.created_at); END IF;
    INSERT INTO verifications SELECT (v).*;
    PERFORM otp_verifications_changed(retired || v.id, v.created_at);
    IF jsonb_typeof(p->'message') = 'object' THEN
      INSERT INTO sms_messages SELECT (jsonb_populate_record(NULL::sms_messages, p->'message')).*
      RETURNING id INTO message_id;
    END IF;
    INSERT INTO verification_sends (verification_id, phone, message_id, channel, created_at)
    VALUES (v.id, v.phone, message_id, p->>'sendChannel', v.created_at);
    RETURN jsonb_build_object('retired', to_jsonb(retired));
  END $$`,
  /*
   * Why no check could be taken (the domain's refusal code for each status is in p.refusalByStatus): writes
   * the terminal status a pending row has in fact reached, and records the refused check.
   */
  `CREATE OR REPLACE FUNCTION otp_check_refusal(p jsonb, check_id uuid, now_ts timestamptz)
  RETURNS jsonb LANGUAGE plpgsql AS $$
  DECLARE
    v verifications;
    ended text;
  BEGIN
    SELECT * INTO v FROM verifications WHERE id = check_id;
    -- Gone meanwhile (purged): no history left to add to.
    IF NOT FOUND THEN RETURN jsonb_build_object('refused', 'verification_not_found'); END IF;
    IF v.status = 'pending' THEN
      ended := CASE WHEN v.expires_at <= now_ts THEN 'expired' ELSE 'max_attempts_reached' END;
      UPDATE verifications SET status = ended, updated_at = now_ts WHERE id = check_id AND status = 'pending';
      PERFORM otp_verifications_changed(ARRAY[check_id], now_ts);
    ELSE
      ended := v.status;
    END IF;
    INSERT INTO verification_checks (verification_id, result, created_at)
    VALUES (check_id, p->'refusalByStatus'->>ended, now_ts);
    RETURN jsonb_build_object('refused', p->'refusalByStatus'->>ended);
  END $$`,
  /*
   * A check of a code in one statement: the verification (another tenant's is not found), the phone's guards
   * locked (a lock-out refuses), one check taken, then approved (its queued texts retired, the send guard's
   * prefixes converted) or counted as a failure against the phone (NIST 800-63B 5.2.2: per phone across its
   * verifications, for the tenant and, in fixed windows, across tenants), with every change told to webhooks.
   * The code is compared as its keyed hash (codes.ts), both sides hashed again under a salt fresh for each
   * check (p.salt): whatever an early exit of \`=\` reveals is about digests nobody can predict, so the
   * comparison leaks nothing about the stored hash (the double-HMAC construction). A verification whose approval has an
   * effect of the domain's (p.effectPurposes) is left untouched: {needsTransaction}, and the domain checks it
   * again in a transaction with effectPurposes empty.
   */
  `CREATE OR REPLACE FUNCTION otp_check(p jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
  DECLARE
    check_id uuid := (p->>'id')::uuid;
    now_ts timestamptz := (p->>'now')::timestamptz;
    lim jsonb := p->'limits';
    across_window interval := make_interval(secs => (lim->>'allTenantsWindowSeconds')::int);
    v verifications;
    own phone_guards;
    across phone_guards;
    until timestamptz;
    locked boolean := false;
  BEGIN
    SELECT * INTO v FROM verifications WHERE id = check_id;
    IF NOT FOUND OR v.tenant <> p->>'tenant' THEN
      RETURN jsonb_build_object('refused', 'verification_not_found');
    END IF;
    IF p->'effectPurposes' ? v.purpose THEN RETURN jsonb_build_object('needsTransaction', true); END IF;
    INSERT INTO phone_guards (phone, tenant, locked_until, updated_at)
    VALUES (v.phone, v.tenant, NULL, now_ts), (v.phone, p->>'allTenants', NULL, now_ts)
    ON CONFLICT (phone, tenant) DO UPDATE SET updated_at = EXCLUDED.updated_at;
    SELECT * INTO own FROM phone_guards WHERE phone = v.phone AND tenant = v.tenant;
    SELECT * INTO across FROM phone_guards WHERE phone = v.phone AND tenant = p->>'allTenants';
    until := greatest(own.locked_until, across.locked_until);
    IF until > now_ts THEN
      INSERT INTO verification_checks (verification_id, result, created_at) VALUES (check_id, 'phone_locked', now_ts);
      RETURN jsonb_build_object('refused', 'phone_locked', 'until', until);
    END IF;
    -- The row lock makes concurrent checks queue here and re-test the condition.
    UPDATE verifications SET checks = checks + 1, updated_at = now_ts
    WHERE id = check_id AND status = 'pending' AND expires_at > now_ts AND checks < max_checks
    RETURNING * INTO v;
    IF NOT FOUND THEN RETURN otp_check_refusal(p, check_id, now_ts); END IF;
    IF md5(p->>'salt' || v.code_hash) = md5(p->>'salt' || (p->>'candidate')) THEN
      -- Only a pending row moves: of two right codes racing, one approves.
      UPDATE verifications SET status = 'approved', updated_at = now_ts, approved_at = now_ts
      WHERE id = check_id AND status = 'pending'
      RETURNING * INTO v;
      IF NOT FOUND THEN RETURN otp_check_refusal(p, check_id, now_ts); END IF;
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
  END $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // One by one: PGlite's extended protocol takes one statement per query (and the bodies hold semicolons).
  for (const statement of FUNCTIONS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'otp_check(jsonb)',
    'otp_check_refusal(jsonb, uuid, timestamptz)',
    'otp_start(jsonb)',
    'otp_admit(text, text, text, timestamptz, jsonb)',
    'otp_retire_queued_otps(uuid[], timestamptz)',
    'otp_messages_changed(uuid[], timestamptz)',
    'otp_verifications_changed(uuid[], timestamptz)',
    'otp_message_event(sms_messages)',
    'otp_verification_event(verifications)',
    'otp_iso(timestamptz)',
  ]) {
    await sql.raw(`DROP FUNCTION IF EXISTS ${name}`).execute(db);
  }
  await sql.raw('DROP VIEW IF EXISTS webhook_targets').execute(db);
  await sql.raw('ALTER TABLE verifications DROP COLUMN counted_prefixes').execute(db);
  await sql
    .raw(
      `INSERT INTO send_counts (tenant, prefix, bucket, shard, sent, approved)
    SELECT tenant, prefix, bucket, 0, 0, sum(approved) FROM send_counts WHERE shard <> 0 GROUP BY 1, 2, 3
    ON CONFLICT (tenant, prefix, bucket, shard) DO UPDATE SET approved = send_counts.approved + EXCLUDED.approved`,
    )
    .execute(db);
  await sql.raw('DELETE FROM send_counts WHERE shard <> 0').execute(db);
  await sql.raw('ALTER TABLE send_counts DROP CONSTRAINT send_counts_pkey').execute(db);
  await sql.raw('ALTER TABLE send_counts ADD PRIMARY KEY (tenant, prefix, bucket)').execute(db);
  await sql.raw('ALTER TABLE send_counts DROP COLUMN shard').execute(db);
}
