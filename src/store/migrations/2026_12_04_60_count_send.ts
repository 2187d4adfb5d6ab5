/**
 * The send guard's count (every text with a code) as a function, with the same rows, locks and answer as the
 * statement it replaces (store/send-guard.ts until now). That statement was 52 parameters long, its length
 * varying with the number's, so PostgreSQL parsed and planned it at every start: its log showed parse
 * 0.32 ms and bind (the planning) 0.54 ms against 0.40 ms to run it. PL/pgSQL keeps the plans of its
 * statements for the session, and the call is one short statement to parse.
 *
 * One statement inside, as before: the minute's rows of each counted prefix and the budgets' rows are upserted
 * in the order of their keys (the caller sorts the budgets; prefixes of one number sort as they lengthen),
 * the earlier minutes and the other shards are read in the same snapshot, and blocks and safe entries are read
 * alongside. The rules stay in the domain (domain/send-guard.ts), which decides on what this returns.
 */
import { sql, type Kysely } from 'kysely';

const OTP_COUNT_SEND = `CREATE OR REPLACE FUNCTION otp_count_send(p jsonb) RETURNS json LANGUAGE plpgsql AS $$
  DECLARE
    send_tenant text := p->>'tenant';
    every_tenant text := p->>'everyTenant';
    -- In the caller's order (the keys'), which the upsert below locks them in.
    counted_prefixes text[] := ARRAY(
      SELECT c.prefix FROM jsonb_array_elements_text(p->'counted') WITH ORDINALITY AS c (prefix, ord)
      ORDER BY c.ord);
    candidates text[] := ARRAY(SELECT jsonb_array_elements_text(p->'candidates'));
    minute timestamptz := (p->>'bucket')::timestamptz;
    window_start timestamptz := (p->>'windowStart')::timestamptz;
    seen json;
  BEGIN
    -- A send counted on its own commits without waiting for the disk (2026_12_03_90 says why).
    IF (p->>'alone')::boolean THEN PERFORM set_config('synchronous_commit', 'off', true); END IF;
    WITH counted AS (
      INSERT INTO send_counts (tenant, prefix, bucket, sent, approved)
      SELECT send_tenant, c.prefix, minute, 1, 0
      FROM unnest(counted_prefixes) WITH ORDINALITY AS c (prefix, ord) ORDER BY c.ord
      ON CONFLICT (tenant, prefix, bucket, shard) DO UPDATE SET sent = send_counts.sent + 1
      RETURNING prefix, sent, approved
    ), spent AS (
      INSERT INTO send_budgets (tenant, scope, period_start, sent)
      SELECT send_tenant, b.budget->>'scope', (b.budget->>'periodStart')::timestamptz, 1
      FROM jsonb_array_elements(p->'budgets') WITH ORDINALITY AS b (budget, ord) ORDER BY b.ord
      ON CONFLICT (tenant, scope, period_start) DO UPDATE SET sent = send_budgets.sent + 1
      RETURNING scope, sent
    ), earlier AS (
      SELECT s.prefix, sum(s.sent)::int AS sent, sum(s.approved)::int AS approved, min(s.bucket) AS since
      FROM send_counts s
      WHERE s.tenant = send_tenant AND s.prefix = ANY(counted_prefixes)
        AND s.bucket >= window_start AND (s.bucket < minute OR s.shard <> 0)
      GROUP BY s.prefix
    )
    SELECT json_build_object(
      'windows', (SELECT coalesce(json_agg(json_build_object(
          'prefix', c.prefix,
          'sent', c.sent + coalesce(e.sent, 0),
          'approved', c.approved + coalesce(e.approved, 0),
          'since', coalesce(e.since, minute))), '[]'::json)
        FROM counted c LEFT JOIN earlier e ON e.prefix = c.prefix),
      'budgets', (SELECT coalesce(json_agg(json_build_object('scope', x.scope, 'sent', x.sent)), '[]'::json)
        FROM spent x),
      'blocks', (SELECT coalesce(json_agg(json_build_object(
          'tenant', k.tenant, 'prefix', k.prefix, 'blockedUntil', k.blocked_until, 'repeats', k.repeats,
          'source', k.source, 'reason', k.reason, 'blockedAt', k.blocked_at, 'updatedAt', k.updated_at,
          'safeInside', EXISTS (
            SELECT 1 FROM safe_prefixes s
            WHERE s.tenant IN (send_tenant, every_tenant) AND left(s.prefix, length(k.prefix)) = k.prefix
          ))), '[]'::json)
        FROM prefix_blocks k
        WHERE k.tenant IN (send_tenant, every_tenant) AND k.prefix = ANY(candidates)),
      'safe', EXISTS (
        SELECT 1 FROM safe_prefixes s
        WHERE s.tenant IN (send_tenant, every_tenant) AND s.prefix = ANY(candidates)))
    INTO seen;
    RETURN seen;
  END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(OTP_COUNT_SEND).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS otp_count_send(jsonb)`.execute(db);
}
