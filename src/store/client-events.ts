/**
 * Status changes queued for clients' webhooks (client-webhooks/worker.ts posts them). Each is written by the
 * statement or transaction that makes the change, one row per webhook of the subject's tenant (none
 * registered: nothing is written). The event data is built here from the row the change left, in the
 * shape docs/webhooks.md describes: the native API's names, timestamps in ISO 8601 UTC.
 */
import { sql, type Kysely, type OperationNodeSource, type RawBuilder } from 'kysely';
import type { StatusChangeStore } from '../domain/ports.js';
import type { Database } from './database.js';

/** An ISO 8601 UTC timestamp, as Date.toISOString() writes it (null stays null). */
const iso = (column: string) =>
  sql`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A verification row aliased `v`, as an event's data. */
const verificationData = sql`json_build_object(
  'id', v.id, 'to', v.phone, 'channel', v.channel, 'status', v.status, 'purpose', v.purpose, 'customerId', v.customer_id,
  'checks', v.checks, 'maxChecks', v.max_checks, 'expiresAt', ${iso('v.expires_at')},
  'createdAt', ${iso('v.created_at')}, 'updatedAt', ${iso('v.updated_at')}, 'approvedAt', ${iso('v.approved_at')})`;

/** A message row aliased `m`, as an event's data (never its text). */
const messageData = sql`json_build_object(
  'id', m.id, 'to', m.recipient, 'channel', m.channel, 'kind', m.kind, 'status', m.status, 'verificationId', m.verification_id,
  'parts', m.parts, 'price', m.price, 'currency', m.currency, 'provider', m.provider,
  'error', CASE WHEN m.error_code IS NULL THEN NULL
    ELSE json_build_object('code', m.error_code, 'message', m.error_message) END,
  'createdAt', ${iso('m.created_at')}, 'sentAt', ${iso('m.sent_at')}, 'deliveredAt', ${iso('m.delivered_at')},
  'undeliveredAt', ${iso('m.undelivered_at')}, 'failedAt', ${iso('m.failed_at')},
  'updatedAt', ${iso('m.updated_at')})`;

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
    JOIN api_clients c ON c.tenant = e.tenant AND c.active
    JOIN client_webhooks w ON w.client_id = c.id`;
}

/** Message rows (every column) from the CTE named `changed`, queued as message.<status> events. */
export function queueMessageEvents(changed: string, now: Date) {
  return queueEvents(
    sql`SELECT 'message.' || m.status AS event_type, m.id AS subject_id, m.tenant, ${messageData} AS data
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
      await queueEvents(
        sql`SELECT 'verification.' || v.status AS event_type, v.id AS subject_id, v.tenant,
              ${verificationData} AS data
            FROM verifications v WHERE v.id IN (${sql.join(ids)})`,
        at,
      ).execute(db);
    },
  };
}
