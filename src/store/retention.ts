/**
 * Retention: what is finished and old goes, in small batches, so a purge never holds locks for long. Run it
 * hourly (purgeExpired); each call deletes until nothing old is left.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** How long finished messages and verifications are kept for support and billing questions (move to config.ts). */
export const DEFAULT_KEEP_DAYS = 30;
/** Rows per statement: small enough that each delete takes milliseconds and locks little. */
const BATCH = 500;
/** A guard with no failures and no lock says nothing after a day (the lock windows are shorter). */
const GUARD_IDLE_MS = 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

export interface PurgeCounts {
  messages: number;
  verifications: number;
  phoneGuards: number;
  passwordBudgets: number;
  /** The send guard's minute counts and budgets past any window, blocks long ended, old security events. */
  guardRows: number;
  securityEvents: number;
  webhookDeliveries: number;
}

/**
 * Deletes in batches until a batch comes back short, or until `stop` is aborted (the node shutting down: the
 * next run goes on); returns how many rows went.
 */
async function inBatches(deleteBatch: () => Promise<number>, stop?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < BATCH || stop?.aborted) return total;
  }
}

async function count(query: ReturnType<typeof sql<{ id: string }>>, db: Kysely<Database>): Promise<number> {
  return (await query.execute(db)).rows.length;
}

/**
 * Deletes finished messages (their parts go with them, by cascade, and the sends that name them) and
 * verifications expired and last touched before now - keepDays (never one a customer points at), and
 * phone guards and password budgets with no lock in force, idle for a day, and webhook posts finished
 * before the cutoff.
 */
export async function purgeExpired(
  db: Kysely<Database>,
  now: Date,
  options: { keepDays?: number; stop?: AbortSignal } = {},
): Promise<PurgeCounts> {
  const cutoff = new Date(now.getTime() - (options.keepDays ?? DEFAULT_KEEP_DAYS) * DAY_MS);
  /** One delete statement, run batch after batch; its rows are counted by what it returns. */
  const purge = (statement: ReturnType<typeof sql<{ id: string }>>) =>
    inBatches(() => count(statement, db), options.stop);

  // One statement per batch: the sends that name the messages go in the same statement, so the foreign key
  // (checked at its end) holds.
  const messages = await purge(
    sql<{ id: string }>`
        WITH doomed AS (
          SELECT id FROM sms_messages
          WHERE status NOT IN ('queued', 'sending') AND updated_at < ${cutoff}
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ), sends AS (
          DELETE FROM verification_sends WHERE message_id IN (SELECT id FROM doomed)
        )
        DELETE FROM sms_messages WHERE id IN (SELECT id FROM doomed) RETURNING id`,
  );

  // A verification goes with its sends and its (finished) messages; one with a message still unfinished
  // waits for the next run.
  const verifications = await purge(
    sql<{ id: string }>`
        WITH doomed AS (
          SELECT v.id FROM verifications v
          -- Past its expiry by the kept days, a verification is over even if no check ever wrote 'expired'
          -- on it (most codes are never checked): only a customer's pointer keeps it.
          WHERE v.updated_at < ${cutoff} AND v.expires_at < ${cutoff}
            AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.pending_verification_id = v.id)
            AND NOT EXISTS (
              SELECT 1 FROM sms_messages m
              WHERE m.verification_id = v.id AND m.status IN ('queued', 'sending')
            )
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ), sends AS (
          DELETE FROM verification_sends WHERE verification_id IN (SELECT id FROM doomed)
        ), checks AS (
          DELETE FROM verification_checks WHERE verification_id IN (SELECT id FROM doomed)
        ), messages AS (
          DELETE FROM sms_messages WHERE verification_id IN (SELECT id FROM doomed)
        )
        DELETE FROM verifications WHERE id IN (SELECT id FROM doomed) RETURNING id`,
  );

  const idleSince = new Date(now.getTime() - GUARD_IDLE_MS);
  const phoneGuards = await purge(
    sql<{ id: string }>`
        DELETE FROM phone_guards WHERE (phone, tenant) IN (
          SELECT phone, tenant FROM phone_guards
          -- A ceiling row's failures count only within its window, long over once the row is idle.
          WHERE (failed_checks = 0 OR tenant = '*') AND (locked_until IS NULL OR locked_until <= ${now})
            AND updated_at < ${idleSince}
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ) RETURNING phone AS id`,
  );

  // A budget with no lock in force, untouched for a day, starts again (unknown identities would pile up).
  const passwordBudgets = await purge(
    sql<{ id: string }>`
        DELETE FROM password_budgets WHERE subject IN (
          SELECT subject FROM password_budgets
          WHERE (locked_until IS NULL OR locked_until <= ${now}) AND updated_at < ${idleSince}
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ) RETURNING subject AS id`,
  );

  // The guard's window is at most a day and a budget's period a day: two days on, nothing reads them. A block
  // ended a week ago (the repeat memory) no longer doubles the next.
  const countsBefore = new Date(now.getTime() - 2 * DAY_MS);
  const blocksEndedBefore = new Date(now.getTime() - 7 * DAY_MS);
  const guardRows = await purge(
    sql<{ id: string }>`
        WITH counts AS (
          DELETE FROM send_counts WHERE (tenant, prefix, bucket) IN (
            SELECT tenant, prefix, bucket FROM send_counts WHERE bucket < ${countsBefore}
            LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
          ) RETURNING prefix
        ), budgets AS (
          DELETE FROM send_budgets WHERE (tenant, scope, period_start) IN (
            SELECT tenant, scope, period_start FROM send_budgets WHERE period_start < ${countsBefore}
            LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
          ) RETURNING scope
        ), blocks AS (
          DELETE FROM prefix_blocks WHERE (tenant, prefix) IN (
            SELECT tenant, prefix FROM prefix_blocks
            WHERE coalesce(blocked_until, updated_at) < ${blocksEndedBefore}
            LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
          ) RETURNING prefix
        )
        SELECT prefix AS id FROM counts UNION ALL SELECT scope FROM budgets UNION ALL SELECT prefix FROM blocks`,
  );
  const securityEvents = await purge(
    sql<{ id: string }>`
        DELETE FROM security_events WHERE id IN (
          SELECT id FROM security_events WHERE created_at < ${cutoff} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ) RETURNING id`,
  );
  // A webhook post delivered or given up is history: kept as long as the messages it told of.
  const webhookDeliveries = await purge(
    sql<{ id: string }>`
        DELETE FROM webhook_deliveries WHERE id IN (
          SELECT id FROM webhook_deliveries
          WHERE status IN ('delivered', 'failed') AND updated_at < ${cutoff}
          LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ) RETURNING id`,
  );

  return {
    messages,
    verifications,
    phoneGuards,
    passwordBudgets,
    guardRows,
    securityEvents,
    webhookDeliveries,
  };
}

/**
 * The outbox's due list (sms_due) takes an insert, an update and a delete per message and keeps a handful of
 * live rows: its dead ones pile up between autovacuum's visits (a minute or more apart on PostgreSQL, never on
 * PGlite, which has no autovacuum), and every claim's index scan walked them (PGlite's W1 fell from 260 to
 * 116 req/s within 8 s). Vacuumed every few seconds, it stays a few pages: each run takes milliseconds.
 */
export async function vacuumDueList(db: Kysely<Database>): Promise<void> {
  // TRUNCATE false: shrinking the file takes an exclusive lock every node would then queue behind, every 5 s.
  await sql`VACUUM (TRUNCATE false) sms_due`.execute(db);
}

/**
 * PGlite has no autovacuum, so nothing ever gathers its tables' statistics: the planner then guesses every
 * selectivity, and a guess that ANDs in a whole index costs more as the tables grow (2026_12_04_40 was one).
 * Run after each hourly purge on PGlite (PostgreSQL's autovacuum does this there): ANALYZE samples each
 * table (at most 30,000 rows), so it takes a moment whatever the tables' size (0.35 s on PGlite with 200,000
 * verifications and as many texts, while the node's statements wait).
 */
export async function analyzeTables(db: Kysely<Database>): Promise<void> {
  await sql`ANALYZE`.execute(db);
}
