/** The webhook worker's side of webhook_deliveries: claim due deliveries, record each outcome. */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

export interface ClaimedDelivery {
  /** The event's id (the same on every attempt). */
  id: string;
  eventType: string;
  /** The verification or message as the change left it. */
  data: unknown;
  /** When the change happened. */
  createdAt: Date;
  /** Claims so far, this one included. */
  attempts: number;
  /** Where to post it and the sealed secret to sign it with: the client's webhook as it is now. */
  url: string;
  secretSealed: string;
  /** This claim's token: an outcome is recorded only while it is still the current claim. */
  claimId: string;
}

export function webhookQueue(db: Kysely<Database>) {
  /** The row as this claim left it: still delivering, and not claimed again since. */
  const stillClaimed = (id: string, claimId: string) =>
    db
      .updateTable('webhook_deliveries')
      .where('id', '=', id)
      .where('status', '=', 'delivering')
      .where('claim_id', '=', claimId);

  return {
    /**
     * Leases up to `limit` due deliveries, oldest first. SKIP LOCKED lets any number of nodes claim at once
     * without taking the same row; a lease that ran out (its node died mid-post) makes a row due again. A
     * change waits while an earlier change of the same subject to the same client is unfinished, so a receiver
     * hears pending before approved, sent before delivered.
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
      if (limit <= 0) return [];
      const claimId = randomUUID();
      const { rows } = await sql<{
        id: string;
        event_type: string;
        data: unknown;
        created_at: Date;
        attempts: number;
        url: string;
        secret_sealed: string;
      }>`
        UPDATE webhook_deliveries d
        SET status = 'delivering', claim_id = ${claimId}, lease_until = ${leaseUntil},
            attempts = d.attempts + 1, updated_at = ${now}
        FROM client_webhooks w
        WHERE w.client_id = d.client_id AND d.id IN (
          SELECT id FROM webhook_deliveries
          WHERE ((status = 'pending' AND next_attempt_at <= ${now})
                 OR (status = 'delivering' AND lease_until < ${now}))
            AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries earlier
              WHERE earlier.client_id = webhook_deliveries.client_id
                AND earlier.subject_id = webhook_deliveries.subject_id
                AND earlier.status IN ('pending', 'delivering')
                AND earlier.seq < webhook_deliveries.seq
            )
          ORDER BY next_attempt_at, seq
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING d.id, d.event_type, d.data, d.created_at, d.attempts, w.url, w.secret_sealed`.execute(db);
      return rows.map((row) => ({
        id: row.id,
        eventType: row.event_type,
        // PGlite and node-postgres both parse json columns; a string would be a driver that does not.
        data: typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : row.data,
        createdAt: new Date(row.created_at),
        attempts: row.attempts,
        url: row.url,
        secretSealed: row.secret_sealed,
        claimId,
      }));
    },

    /** false (nothing written) when this claim is no longer the current one. */
    async markDelivered(id: string, claimId: string, statusCode: number, now: Date): Promise<boolean> {
      const row = await stillClaimed(id, claimId)
        .set({
          status: 'delivered',
          lease_until: null,
          last_status_code: statusCode,
          last_error: null,
          delivered_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Queued again for `nextAttemptAt`, or given up (`at` null); false when the claim is no longer current. */
    async markFailedAttempt(
      id: string,
      claimId: string,
      failure: { statusCode: number | null; error: string },
      nextAttemptAt: Date | null,
      now: Date,
    ): Promise<boolean> {
      const row = await stillClaimed(id, claimId)
        .set({
          status: nextAttemptAt === null ? 'failed' : 'pending',
          ...(nextAttemptAt === null ? {} : { next_attempt_at: nextAttemptAt }),
          lease_until: null,
          last_status_code: failure.statusCode,
          last_error: failure.error,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type WebhookQueue = ReturnType<typeof webhookQueue>;
