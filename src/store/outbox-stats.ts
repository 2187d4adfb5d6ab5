/** The outbox at a glance, for an operator: what is waiting, what is stuck, what failed lately. */
import type { Kysely } from 'kysely';
import type { MessageKind, MessageStatus } from '../domain/types.js';
import type { Database } from './database.js';

export interface OutboxStats {
  /** Messages per status and kind; combinations with none are left out. */
  counts: { status: MessageStatus; kind: MessageKind; count: number }[];
  /** When the oldest message still waiting for its first or next try was queued; null when none waits. */
  oldestQueuedAt: Date | null;
  /** Messages that failed (given up, or refused by every provider) since a moment, per error code, most first. */
  failures: { errorCode: string; count: number }[];
}

/** Three small reads: an operator's command, not a hot path (the whole table is counted). */
export async function readOutboxStats(db: Kysely<Database>, failuresSince: Date): Promise<OutboxStats> {
  const counts = await db
    .selectFrom('sms_messages')
    .select(['status', 'kind', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
    .groupBy(['status', 'kind'])
    .orderBy('status')
    .orderBy('kind')
    .execute();
  const oldest = await db
    .selectFrom('sms_messages')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where('status', '=', 'queued')
    .executeTakeFirst();
  const failures = await db
    .selectFrom('sms_messages')
    .select([
      (eb) => eb.fn.coalesce('error_code', eb.val('unknown')).as('errorCode'),
      (eb) => eb.fn.countAll<number | string | bigint>().as('count'),
    ])
    .where('status', '=', 'failed')
    .where('failed_at', '>=', failuresSince)
    .groupBy('errorCode')
    .orderBy('count', 'desc')
    .orderBy('errorCode')
    .execute();
  return {
    counts: counts.map((row) => ({
      status: row.status as MessageStatus,
      kind: row.kind as MessageKind,
      count: Number(row.count),
    })),
    oldestQueuedAt: oldest?.oldest == null ? null : new Date(oldest.oldest),
    failures: failures.map((row) => ({ errorCode: row.errorCode, count: Number(row.count) })),
  };
}
