/** The dispatcher's side of the outbox: claim due messages, record each outcome. */
import { sql, type Kysely } from 'kysely';
import type { MessageKind } from '../domain/types.js';
import type { Database } from './database.js';

export interface ClaimedMessage {
  id: string;
  kind: MessageKind;
  to: string;
  bodySealed: string | null;
  expiresAt: Date | null;
  /** Claims so far, this one included. */
  attempts: number;
}

export interface SentOutcome {
  provider: string;
  providerRef: string;
  parts: number;
  /** Null keeps the estimate made at enqueue. */
  price: number | null;
  currency: string | null;
}

export function outboxQueue(db: Kysely<Database>) {
  return {
    /**
     * Leases up to `limit` due messages, OTPs first. SKIP LOCKED lets any number of nodes claim at
     * once without taking the same row; a lease that ran out (its node died) makes a row due again.
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedMessage[]> {
      const rows = await db
        .updateTable('sms_messages')
        .set({
          status: 'sending',
          lease_until: leaseUntil,
          attempts: sql`attempts + 1`,
          sending_at: sql`coalesce(sending_at, ${now})`,
          updated_at: now,
        })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('sms_messages')
            .select('id')
            .where((w) =>
              w.or([
                w.and([w('status', '=', 'queued'), w('next_attempt_at', '<=', now)]),
                w.and([w('status', '=', 'sending'), w('lease_until', '<', now)]),
              ]),
            )
            .orderBy('priority')
            .orderBy('next_attempt_at')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .returning(['id', 'kind', 'recipient', 'body_sealed', 'expires_at', 'attempts'])
        .execute();
      return rows.map((row) => ({
        id: row.id,
        kind: row.kind as MessageKind,
        to: row.recipient,
        bodySealed: row.body_sealed,
        expiresAt: row.expires_at,
        attempts: row.attempts,
      }));
    },

    /** The text is erased once the provider has it: the code then lives only as a hash. */
    async markSent(id: string, outcome: SentOutcome, now: Date): Promise<void> {
      await db
        .updateTable('sms_messages')
        .set({
          status: 'sent',
          provider: outcome.provider,
          provider_ref: outcome.providerRef,
          parts: outcome.parts,
          price: outcome.price === null ? sql<string>`price` : outcome.price,
          currency: outcome.price === null ? sql<string>`currency` : outcome.currency,
          body_sealed: null,
          lease_until: null,
          error_code: null,
          error_message: null,
          sent_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .execute();
    },

    async markRetry(id: string, nextAttemptAt: Date, error: { code: string; message: string }, now: Date) {
      await db
        .updateTable('sms_messages')
        .set({
          status: 'queued',
          next_attempt_at: nextAttemptAt,
          lease_until: null,
          error_code: error.code,
          error_message: error.message,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .execute();
    },

    async markFailed(id: string, error: { code: string; message: string; provider?: string }, now: Date) {
      await db
        .updateTable('sms_messages')
        .set({
          status: 'failed',
          provider: error.provider ?? null,
          body_sealed: null,
          lease_until: null,
          error_code: error.code,
          error_message: error.message,
          failed_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .execute();
    },
  };
}

export type OutboxQueue = ReturnType<typeof outboxQueue>;
