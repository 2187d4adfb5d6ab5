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

/** A send to record: its message, the claim it was sent under, and what the provider said. */
export interface SentRecord {
  id: string;
  claimId: string;
  outcome: SentOutcome;
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
  /**
   * The text is erased once the provider has it: the code then lives only as a hash. A batch of sends in one
   * statement, with their parts and the clients' message.sent events. Each only under its current claim: one
   * claimed again since (its lease ran out) or already recorded is left as it is. Answers the ids recorded.
   */
  async function markSentMany(sends: readonly SentRecord[], now: Date): Promise<Set<string>> {
    if (sends.length === 0) return new Set();
    const outcomes = sql.join(
      sends.map(
        ({ id, claimId, outcome }) =>
          sql`(${id}::uuid, ${claimId}::uuid, ${outcome.provider}::text, ${outcome.providerRef}::text,
            ${outcome.parts}::int, ${outcome.price}::numeric, ${outcome.currency}::text)`,
      ),
    );
    const partRows = sends.flatMap(({ id, outcome }) =>
      outcome.partRefs.map((ref, index) => sql`(${id}::uuid, ${index + 1}::smallint, ${ref}::text)`),
    );
    // No price from the provider or the table: the estimate made at enqueue is kept.
    const parts =
      partRows.length === 0
        ? sql``
        : sql`, parts AS (
            INSERT INTO sms_message_parts (message_id, seq, provider, part_ref, status, updated_at)
            SELECT sent.id, part.seq, sent.provider, part.ref, 'sent', ${now}
            FROM sent JOIN (VALUES ${sql.join(partRows)}) AS part (message_id, seq, ref) ON part.message_id = sent.id
          )`;
    const { rows } = await sql<{ id: string }>`
      WITH outcome (id, claim_id, provider, provider_ref, parts, price, currency) AS (VALUES ${outcomes}),
      sent AS (
        UPDATE sms_messages AS m SET status = 'sent', provider = o.provider, provider_ref = o.provider_ref,
          parts = o.parts,
          price = CASE WHEN o.price IS NULL THEN m.price ELSE o.price END,
          currency = CASE WHEN o.price IS NULL THEN m.currency ELSE o.currency END,
          body_sealed = NULL, code_sealed = NULL, lease_until = NULL, error_code = NULL, error_message = NULL,
          sent_at = ${now}, updated_at = ${now}
        FROM outcome o
        WHERE m.id = o.id AND m.status = 'sending' AND m.claim_id = o.claim_id
        RETURNING m.*
      ), events AS (${queueMessageEvents('sent', now)})${parts}
      SELECT id FROM sent`.execute(db);
    return new Set(rows.map((row) => row.id));
  }

  return {
    /**
     * Leases up to `limit` due messages in one statement: OTPs first, then notices up to `noticeLimit` in the
     * room left. SKIP LOCKED lets any number of nodes claim at once without taking the same row; a lease that
     * ran out (its node died) makes a row due again.
     */
    async claimDue(
      now: Date,
      leaseUntil: Date,
      limit: number,
      noticeLimit = limit,
    ): Promise<ClaimedMessage[]> {
      if (limit <= 0) return [];
      // One token per claiming statement is enough: with the id it names one claim of one row.
      const claimId = randomUUID();
      // The due list finds them (sms_due, kept by triggers); the message row, locked first, has the last word.
      const due = (priority: number) => sql`
        SELECT m.id FROM sms_due d JOIN sms_messages m ON m.id = d.message_id
        WHERE d.priority = ${priority}::smallint AND d.due_at <= ${now}
          AND ((m.status = 'queued' AND m.next_attempt_at <= ${now}) OR (m.status = 'sending' AND m.lease_until < ${now}))
        ORDER BY d.due_at`;
      const { rows } = await sql<{
        id: string;
        kind: string;
        recipient: string;
        body_sealed: string | null;
        channel: string;
        subject: string | null;
        code_sealed: string | null;
        locale: string | null;
        expires_at: Date | null;
        attempts: number;
        error_code: string | null;
        provider: string | null;
      }>`
        WITH otp AS (${due(PRIORITY.otp)} LIMIT ${limit}::int FOR UPDATE OF m SKIP LOCKED),
        notice AS (${due(PRIORITY.notice)}
          LIMIT least(${noticeLimit}::int, ${limit}::int - (SELECT count(*) FROM otp)::int) FOR UPDATE OF m SKIP LOCKED)
        UPDATE sms_messages SET status = 'sending', claim_id = ${claimId}, lease_until = ${leaseUntil},
          attempts = attempts + 1, sending_at = coalesce(sending_at, ${now}), updated_at = ${now}
        WHERE id IN (SELECT id FROM otp UNION ALL SELECT id FROM notice)
        RETURNING id, kind, recipient, body_sealed, channel, subject, code_sealed, locale, expires_at, attempts,
          error_code, provider`.execute(db);
      // Sent in the order claimed: OTPs first (an UPDATE returns its rows in no order of its own).
      rows.sort((a, b) => PRIORITY[a.kind as MessageKind] - PRIORITY[b.kind as MessageKind]);
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

    markSentMany,

    /** One send recorded (markSentMany of one); false when it was not ours to record. */
    async markSent(id: string, claimId: string, outcome: SentOutcome, now: Date): Promise<boolean> {
      return (await markSentMany([{ id, claimId, outcome }], now)).has(id);
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

    /** Unfinished messages by status, for the metrics scrape: the due list, joined to its messages. */
    async countUnfinished(): Promise<Record<'queued' | 'sending', number>> {
      const rows = await db
        .selectFrom('sms_due')
        .innerJoin('sms_messages', 'sms_messages.id', 'sms_due.message_id')
        .select(['sms_messages.status', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
        .groupBy('sms_messages.status')
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
