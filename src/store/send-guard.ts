/**
 * The send guard's storage: counts per tenant, prefix and minute, budgets per period, blocks and the safe
 * list. A send costs one statement (countSend); a block one more. A minute's sends are one row (shard 0, read
 * back exactly under its lock); its approvals, counted by otp_check, go to one of eight further rows at
 * random, so that concurrent checks in one range do not queue on one row.
 */
import { sql, type Kysely } from 'kysely';
import {
  EVERY_TENANT,
  type PrefixBlock,
  type PrefixRuleStore,
  type SafeEntry,
  type SendGuardStore,
} from '../domain/ports.js';
import type { Database } from './database.js';

interface BlockJson {
  tenant: string;
  prefix: string;
  blockedUntil: string | null;
  repeats: number;
  source: string;
  reason: string;
  blockedAt: string;
  updatedAt: string;
  safeInside: boolean;
}

/** What otp_count_send answers. */
interface SeenJson {
  windows: { prefix: string; sent: number; approved: number; since: string }[];
  budgets: { scope: string; sent: number }[];
  blocks: BlockJson[];
  safe: boolean;
}

interface BlockRow {
  tenant: string;
  prefix: string;
  blocked_until: Date | null;
  repeats: number;
  source: string;
  reason: string;
  blocked_at: Date;
  updated_at: Date;
}

const fromJson = (block: BlockJson): PrefixBlock => ({
  tenant: block.tenant,
  prefix: block.prefix,
  blockedUntil: block.blockedUntil === null ? null : new Date(block.blockedUntil),
  repeats: block.repeats,
  source: block.source === 'operator' ? 'operator' : 'guard',
  reason: block.reason,
  blockedAt: new Date(block.blockedAt),
  updatedAt: new Date(block.updatedAt),
});

const fromRow = (row: BlockRow): PrefixBlock => ({
  tenant: row.tenant,
  prefix: row.prefix,
  blockedUntil: row.blocked_until,
  repeats: row.repeats,
  source: row.source === 'operator' ? 'operator' : 'guard',
  reason: row.reason,
  blockedAt: row.blocked_at,
  updatedAt: row.updated_at,
});

/** node-postgres parses json columns; PGlite too, but a driver may hand back text. */
const parsed = <T>(value: unknown): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : (value as T);

/** Budgets in the order of their rows' keys (tenant, scope, period). */
const byScope = <T extends { scope: string }>(budgets: readonly T[]) =>
  [...budgets].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));

const list = (values: readonly string[]) => sql.join(values.map((value) => sql`${value}`));

export function sendGuardStore(db: Kysely<Database>): SendGuardStore {
  return {
    async countSend(send) {
      // One call of otp_count_send (migration 2026_12_04_60): its plans are kept for the session, where this
      // statement, 52 parameters long, was parsed and planned at every send. It upserts the rows in the order
      // of their keys, here as in uncountSend and placeBlock: two statements taking the same rows in opposite
      // orders would deadlock. The current minute's row comes back from the upsert as it is after every
      // committed send (the upsert waits for a concurrent one to commit), so concurrent sends to one prefix
      // cannot both pass the rule.
      const { rows } = await sql<{ seen: unknown }>`SELECT otp_count_send(${JSON.stringify({
        tenant: send.tenant,
        everyTenant: EVERY_TENANT,
        counted: send.counted,
        candidates: send.candidates,
        bucket: send.bucket.toISOString(),
        windowStart: send.windowStart.toISOString(),
        budgets: byScope(send.budgets).map((budget) => ({
          scope: budget.scope,
          periodStart: budget.periodStart.toISOString(),
        })),
        alone: send.alone === true,
      })}::jsonb) AS seen`.execute(db);
      const seen = rows[0] === undefined ? undefined : parsed<SeenJson>(rows[0].seen);
      if (seen === undefined) throw new Error('the send count returned no row');
      return {
        windows: seen.windows.map((window) => ({ ...window, since: new Date(window.since) })),
        budgets: seen.budgets,
        blocks: seen.blocks.map((block) => ({ ...fromJson(block), safeInside: block.safeInside })),
        safe: seen.safe,
      };
    },

    async uncountSend(send) {
      // The sends' rows first, then the budgets', each in key order: as countSend takes them.
      await sql`
        WITH counted AS (
          UPDATE send_counts SET sent = greatest(0, sent - 1)
          WHERE tenant = ${send.tenant} AND prefix IN (${list(send.counted)})
            AND bucket = ${send.bucket}::timestamptz AND shard = 0
          RETURNING 1
        ), spent AS (
          UPDATE send_budgets SET sent = greatest(0, sent - 1)
          WHERE (SELECT count(*) FROM counted) >= 0 AND tenant = ${send.tenant}
            AND (scope, period_start) IN (${sql.join(
              byScope(send.budgets).map(
                (budget) => sql`(${budget.scope}, ${budget.periodStart}::timestamptz)`,
              ),
            )})
          RETURNING 1
        )
        SELECT count(*) FROM spent`.execute(db);
    },

    async placeBlock(block, explained, now) {
      const subtract =
        explained.ancestors.length === 0
          ? sql``
          : sql`, explained AS (
              SELECT bucket, sum(sent)::int AS sent, sum(approved)::int AS approved FROM send_counts
              WHERE tenant = ${block.tenant} AND prefix = ${block.prefix}
                AND bucket >= ${explained.windowStart}::timestamptz
              GROUP BY bucket
            ), subtracted AS (
              -- From each ancestor's sends row (shard 0): its approvals may sit in other shards, so the
              -- approvals taken off may leave it below zero; the sums over shards stay right.
              UPDATE send_counts AS c
              SET sent = greatest(0, c.sent - x.sent), approved = c.approved - x.approved
              FROM explained x
              WHERE EXISTS (SELECT 1 FROM placed) AND c.tenant = ${block.tenant}
                AND c.prefix IN (${list(explained.ancestors)}) AND c.bucket = x.bucket AND c.shard = 0
              RETURNING 1
            )`;
      // Only where no block is in force: of two sends deciding at once, one places it.
      const { rows } = await sql<{ placed: number }>`
        WITH placed AS (
          INSERT INTO prefix_blocks
            (tenant, prefix, blocked_until, repeats, source, reason, blocked_at, updated_at)
          VALUES (${block.tenant}, ${block.prefix}, ${block.blockedUntil}, ${block.repeats}, ${block.source},
            ${block.reason}, ${block.blockedAt}, ${now})
          ON CONFLICT (tenant, prefix) DO UPDATE SET
            blocked_until = EXCLUDED.blocked_until, repeats = EXCLUDED.repeats, source = EXCLUDED.source,
            reason = EXCLUDED.reason, blocked_at = EXCLUDED.blocked_at, updated_at = EXCLUDED.updated_at
          WHERE prefix_blocks.blocked_until IS NULL OR prefix_blocks.blocked_until <= ${now}::timestamptz
          RETURNING prefix
        )${subtract}
        SELECT count(*)::int AS placed FROM placed`.execute(db);
      return (rows[0]?.placed ?? 0) > 0;
    },
  };
}

export function prefixRuleStore(db: Kysely<Database>): PrefixRuleStore {
  return {
    async block(block, now) {
      const row = await db
        .insertInto('prefix_blocks')
        .values({
          tenant: block.tenant,
          prefix: block.prefix,
          blocked_until: block.blockedUntil,
          source: block.source,
          reason: block.reason,
          blocked_at: block.blockedAt,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['tenant', 'prefix']).doUpdateSet((eb) => ({
            blocked_until: eb.ref('excluded.blocked_until'),
            source: eb.ref('excluded.source'),
            reason: eb.ref('excluded.reason'),
            blocked_at: eb.ref('excluded.blocked_at'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return fromRow(row);
    },

    async unblock(prefix, tenant, windowStart, now) {
      const { rows } = await sql<BlockRow>`
        WITH lifted AS (
          SELECT tenant, prefix, blocked_until FROM prefix_blocks
          WHERE prefix = ${prefix} AND blocked_until > ${now}::timestamptz
            ${tenant === undefined ? sql`` : sql`AND tenant = ${tenant}`}
          FOR UPDATE
        )
        UPDATE prefix_blocks AS b SET blocked_until = NULL, updated_at = ${now}
        FROM lifted
        WHERE b.tenant = lifted.tenant AND b.prefix = lifted.prefix
        RETURNING b.tenant, b.prefix, lifted.blocked_until, b.repeats, b.source, b.reason, b.blocked_at,
          b.updated_at`.execute(db);
      let forget = db
        .deleteFrom('send_counts')
        .where('prefix', '=', prefix)
        .where('bucket', '>=', windowStart);
      if (tenant !== undefined) forget = forget.where('tenant', '=', tenant);
      await forget.execute();
      return rows.map(fromRow);
    },

    async addSafe(entry: SafeEntry) {
      const row = await db
        .insertInto('safe_prefixes')
        .values({ tenant: entry.tenant, prefix: entry.prefix, note: entry.note, created_at: entry.createdAt })
        .onConflict((oc) => oc.columns(['tenant', 'prefix']).doNothing())
        .returning('prefix')
        .executeTakeFirst();
      return row !== undefined;
    },

    async removeSafe(tenant, prefix) {
      const row = await db
        .deleteFrom('safe_prefixes')
        .where('tenant', '=', tenant)
        .where('prefix', '=', prefix)
        .returning('prefix')
        .executeTakeFirst();
      return row !== undefined;
    },

    async list(now) {
      const blocks = await db
        .selectFrom('prefix_blocks')
        .selectAll()
        .where('blocked_until', '>', now)
        .orderBy('tenant')
        .orderBy('prefix')
        .execute();
      const safe = await db
        .selectFrom('safe_prefixes')
        .selectAll()
        .orderBy('tenant')
        .orderBy('prefix')
        .execute();
      return {
        blocks: blocks.map(fromRow),
        safe: safe.map((row) => ({
          tenant: row.tenant,
          prefix: row.prefix,
          note: row.note,
          createdAt: row.created_at,
        })),
      };
    },
  };
}
