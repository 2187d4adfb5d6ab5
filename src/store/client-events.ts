/**
 * Status changes queued for clients' webhooks (client-webhooks/worker.ts posts them). Each is written by the
 * statement or transaction that makes the change, one row per webhook of the subject's tenant (none
 * registered: nothing is written). The event data is built from the row the change left by the SQL functions
 * otp_verification_event and otp_message_event (migration 2026_12_03_90), in the shape docs/webhooks.md
 * describes: the native API's names, timestamps in ISO 8601 UTC.
 */
import { sql, type Kysely, type OperationNodeSource, type RawBuilder } from 'kysely';
import type { StatusChangeStore } from '../domain/ports.js';
import type { Database } from './database.js';

/**
 * The INSERT that queues `events` (rows of event_type, subject_id, tenant, data) for every webhook of their
 * tenant's active clients.
 */
function queueEvents(events: RawBuilder<unknown>, now: Date) {
  return sql`
    INSERT INTO webhook_deliveries
      (id, client_id, event_type, subject_id, data, status, next_attempt_at, created_at, updated_at)
    SELECT gen_random_uuid(), w.client_id, e.event_type, e.subject_id, e.data, 'pending', ${now}, ${now}, ${now}
    FROM (${events}) AS e
    JOIN webhook_targets w ON w.tenant = e.tenant`;
}

/** Message rows (every column) from the CTE named `changed`, queued as message.<status> events. */
export function queueMessageEvents(changed: string, now: Date) {
  return queueEvents(
    sql`SELECT 'message.' || m.status AS event_type, m.id AS subject_id, m.tenant, otp_message_event(ROW(m.*)::sms_messages) AS data
        FROM ${sql.table(changed)} m`,
    now,
  );
}

/**
 * Runs an UPDATE of sms_messages that returns its rows (returningAll) and queues an event for each row it
 * changed, in one statement; answers the ids changed.
 */
export async function updateMessagesWithEvents(
  db: Kysely<Database>,
  update: OperationNodeSource,
  now: Date,
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH changed AS (${update}), events AS (${queueMessageEvents('changed', now)})
    SELECT id FROM changed`.execute(db);
  return rows.map((row) => row.id);
}

export function statusChangeStore(db: Kysely<Database>): StatusChangeStore {
  return {
    async verificationsChanged(ids, at) {
      if (ids.length === 0) return;
      await sql`SELECT otp_verifications_changed(ARRAY[${sql.join(ids)}]::uuid[], ${at}::timestamptz)`.execute(
        db,
      );
    },
  };
}
