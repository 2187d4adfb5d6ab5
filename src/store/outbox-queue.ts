/** The dispatcher's side of the outbox: claim due messages, record each outcome. */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Channel, Locale, MessageKind } from '../domain/types.js';
import { queueMessageEvents, updateMessagesWithEvents } from './client-events.js';
import type { Database } from './database.js';
import { PRIORITY } from './messages.js';

export interface ClaimedMessage {
  id: string;
  kind: MessageKind;
  /** Which providers may carry it: those of its channel. */
  channel: Channel;
  to: string;
  bodySealed: string | null;
  /** An email's subject. */
  subject: string | null;
  /** The code alone, sealed (WhatsApp's template carries it apart from any text). */
  codeSealed: string | null;
  locale: Locale | null;
  expiresAt: Date | null;
  /** Claims so far, this one included. */
  attempts: number;
  /** The error recorded by the previous claim, if it failed. */
  lastErrorCode: string | null;
  /**
   * The provider an earlier claim handed the message to without learning the outcome (an unanswered SMPP
   * submit): the message stays with it, since another provider could send it a second time.
   */
  pinnedProvider: string | null;
  /** This claim's token: every outcome is recorded under it, and only while it is still the current claim. */
  claimId: string;
  /** Until when the claim is ours unless extended (extendLease). */
  leaseUntil: Date;
}

export interface SentOutcome {
  provider: string;
  providerRef: string;
  /** Every provider id of the message (one per part, or one for all): receipts name these. */
  partRefs: readonly string[];
  parts: number;
  /** Null keeps the estimate made at enqueue. */
  price: number | null;
  currency: string | null;
}

export function outboxQueue(db: Kysely<Database>) {
  /** The row as this claim left it: still sending, and not claimed again since. */
  const stillClaimed = (id: string, claimId: string) =>
    db
      .updateTable('sms_messages')
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .where('claim_id', '=', claimId);
  return {
    /**
     * Leases up to `limit` due messages, OTPs first (or of one kind only). SKIP LOCKED lets any number of
     * nodes claim at once without taking the same row; a lease that ran out (its node died) makes a row due again.
     */
    async claimDue(
      now: Date,
      leaseUntil: Date,
      limit: number,
      kind?: MessageKind,
    ): Promise<ClaimedMessage[]> {
      if (limit <= 0) return [];
      // One token per claiming statement is enough: with the id it names one claim of one row.
      const claimId = randomUUID();
      const rows = await db
        .updateTable('sms_messages')
        .set({
          status: 'sending',
          claim_id: claimId,
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
            .$if(kind !== undefined, (q) => q.where('priority', '=', PRIORITY[kind ?? 'otp']))
            .orderBy('priority')
            .orderBy('next_attempt_at')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .returning([
          'id',
          'kind',
          'recipient',
          'body_sealed',
          'channel',
          'subject',
          'code_sealed',
          'locale',
          'expires_at',
          'attempts',
          'error_code',
          'provider',
        ])
        .execute();
      return rows.map((row) => ({
        id: row.id,
        kind: row.kind as MessageKind,
        channel: row.channel as Channel,
        to: row.recipient,
        bodySealed: row.body_sealed,
        subject: row.subject,
        codeSealed: row.code_sealed,
        locale: row.locale as Locale | null,
        expiresAt: row.expires_at,
        attempts: row.attempts,
        lastErrorCode: row.error_code,
        pinnedProvider: row.provider,
        claimId,
        leaseUntil,
      }));
    },

    /**
     * Keeps the claim ours for longer (before each failover attempt); false when it is no longer ours: the
     * lease ran out and the message was claimed again, or its outcome is already recorded. `pin` names the
     * provider holding an unanswered submit, so that a later claim (after this node died) stays with it.
     */
    async extendLease(
      id: string,
      claimId: string,
      leaseUntil: Date,
      now: Date,
      pin?: string,
    ): Promise<boolean> {
      const row = await stillClaimed(id, claimId)
        .set({ lease_until: leaseUntil, updated_at: now, ...(pin === undefined ? {} : { provider: pin }) })
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * The text is erased once the provider has it: the code then lives only as a hash. The parts are recorded
     * in the same statement. Only under the current claim: false when the message was claimed again since
     * (its lease ran out) or its outcome is already recorded, and then nothing is written.
     */
    async markSent(id: string, claimId: string, outcome: SentOutcome, now: Date): Promise<boolean> {
      const marked = stillClaimed(id, claimId)
        .set({
          status: 'sent',
          provider: outcome.provider,
          provider_ref: outcome.providerRef,
          parts: outcome.parts,
          // No price from the provider or the table: keep the estimate made at enqueue.
          price: outcome.price === null ? sql<string>`price` : outcome.price,
          currency: outcome.price === null ? sql<string>`currency` : outcome.currency,
          body_sealed: null,
          code_sealed: null,
          lease_until: null,
          error_code: null,
          error_message: null,
          sent_at: now,
          updated_at: now,
        })
        .returningAll();
      if (outcome.partRefs.length === 0) {
        return (await updateMessagesWithEvents(db, marked, now)).length > 0;
      }
      // One statement rather than a transaction of three: this runs once per message, on the hot path. The
      // parts and the clients' message.sent events are written with the status.
      const parts = sql.join(
        outcome.partRefs.map((ref, index) => sql`(${index + 1}::smallint, ${ref}::text)`),
      );
      const { rows } = await sql<{ message_id: string }>`
        WITH sent AS (${marked}), events AS (${queueMessageEvents('sent', now)})
        INSERT INTO sms_message_parts (message_id, seq, provider, part_ref, status, updated_at)
        SELECT sent.id, part.seq, ${outcome.provider}, part.ref, 'sent', ${now}
        FROM sent CROSS JOIN (VALUES ${parts}) AS part (seq, ref)
        RETURNING message_id`.execute(db);
      return rows.length > 0;
    },

    /**
     * Queues the message again; false (nothing written) when this claim is no longer the current one. An
     * uncounted claim (no provider was tried) gives its attempt back; `pin` keeps it with one provider.
     */
    async markRetry(
      id: string,
      claimId: string,
      nextAttemptAt: Date,
      error: { code: string; message: string },
      now: Date,
      attempt: { counted: boolean; pin?: string } = { counted: true },
    ): Promise<boolean> {
      const row = await stillClaimed(id, claimId)
        .set({
          ...(attempt.counted ? {} : { attempts: sql<number>`attempts - 1` }),
          ...(attempt.pin === undefined ? {} : { provider: attempt.pin }),
          status: 'queued',
          next_attempt_at: nextAttemptAt,
          lease_until: null,
          error_code: error.code,
          error_message: error.message,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Gives the message up; false (nothing written) when this claim is no longer the current one. */
    async markFailed(
      id: string,
      claimId: string,
      error: { code: string; message: string; provider?: string },
      now: Date,
    ): Promise<boolean> {
      const failed = stillClaimed(id, claimId)
        .set({
          status: 'failed',
          provider: error.provider ?? null,
          body_sealed: null,
          code_sealed: null,
          lease_until: null,
          error_code: error.code,
          error_message: error.message,
          failed_at: now,
          updated_at: now,
        })
        .returningAll();
      return (await updateMessagesWithEvents(db, failed, now)).length > 0;
    },

    /**
     * Unfinished messages by status, for the metrics scrape: one grouped count over the rows the due index
     * holds. The statuses are written out, not bound, so the planner can match that partial index.
     */
    async countUnfinished(): Promise<Record<'queued' | 'sending', number>> {
      const rows = await db
        .selectFrom('sms_messages')
        .select(['status', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
        .where(sql<boolean>`status IN ('queued', 'sending')`)
        .groupBy('status')
        .execute();
      const counts = { queued: 0, sending: 0 };
      for (const row of rows) {
        if (row.status === 'queued' || row.status === 'sending') counts[row.status] = Number(row.count);
      }
      return counts;
    },
  };
}

export type OutboxQueue = ReturnType<typeof outboxQueue>;
