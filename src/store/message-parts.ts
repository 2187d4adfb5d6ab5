/**
 * The parts of sent messages (recorded with the send, in outbox-queue.ts) and the receipts held for parts not
 * recorded yet. SQL only; the rules are in sms/receipts.ts.
 */
import { sql, type Kysely } from 'kysely';
import type { ReceiptStatus } from '../sms/provider.js';
import { updateMessagesWithEvents } from './client-events.js';
import type { Database } from './database.js';

/** A part's status; a `read` receipt makes it delivered and stamps its message's read_at. */
export type PartStatus = Exclude<ReceiptStatus, 'read'>;

export interface MessagePart {
  messageId: string;
  seq: number;
  provider: string;
  ref: string;
  status: PartStatus;
}

export interface HeldReceipt {
  provider: string;
  providerRef: string;
  status: ReceiptStatus;
  errorCode: string | undefined;
  at: Date;
}

export function messageParts(db: Kysely<Database>) {
  return {
    async messageIdOf(provider: string, ref: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('sms_message_parts')
        .select('message_id')
        .where('provider', '=', provider)
        .where('part_ref', '=', ref)
        .executeTakeFirst();
      return row?.message_id;
    },

    /** Locks the message row: receipts for the parts of one message are applied one at a time. */
    async lockMessageStatus(messageId: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('sms_messages')
        .select('status')
        .where('id', '=', messageId)
        .forUpdate()
        .executeTakeFirst();
      return row?.status;
    },

    async partsOf(messageId: string): Promise<MessagePart[]> {
      const rows = await db
        .selectFrom('sms_message_parts')
        .selectAll()
        .where('message_id', '=', messageId)
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({
        messageId: row.message_id,
        seq: row.seq,
        provider: row.provider,
        ref: row.part_ref,
        status: row.status as PartStatus,
      }));
    },

    async setStatus(
      messageId: string,
      seq: number,
      status: PartStatus,
      errorCode: string | undefined,
      now: Date,
    ): Promise<void> {
      await db
        .updateTable('sms_message_parts')
        .set({ status, error_code: errorCode ?? null, updated_at: now })
        .where('message_id', '=', messageId)
        .where('seq', '=', seq)
        .execute();
    },

    /** The message's own status, from its parts: delivered, or undelivered / failed with the receipt's code. */
    async setMessageOutcome(
      messageId: string,
      status: 'delivered' | 'undelivered' | 'failed',
      errorCode: string | undefined,
      at: Date,
    ): Promise<void> {
      const delivered = status === 'delivered';
      const changed = db
        .updateTable('sms_messages')
        .set({
          status,
          ...(delivered
            ? { delivered_at: at }
            : {
                ...(status === 'undelivered' ? { undelivered_at: at } : { failed_at: at }),
                error_code: errorCode ?? status,
                error_message: `the provider reports the message ${status}`,
              }),
          updated_at: at,
        })
        .where('id', '=', messageId)
        .returningAll();
      await updateMessagesWithEvents(db, changed, at);
    },

    /** Stamps when the message was read, once; false when it already was. */
    async markRead(messageId: string, at: Date): Promise<boolean> {
      const result = await db
        .updateTable('sms_messages')
        .set({ read_at: at, updated_at: at })
        .where('id', '=', messageId)
        .where('read_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async hold(receipt: HeldReceipt): Promise<void> {
      await db
        .insertInto('sms_held_receipts')
        .values({
          provider: receipt.provider,
          provider_ref: receipt.providerRef,
          status: receipt.status,
          error_code: receipt.errorCode ?? null,
          received_at: receipt.at,
        })
        .execute();
    },

    /** Held receipts whose part is recorded by now, by provider and ref (a sweep, for those nobody released). */
    async heldWithPartRecorded(): Promise<Array<{ provider: string; ref: string }>> {
      const { rows } = await sql<{ provider: string; ref: string }>`
        SELECT DISTINCT h.provider, h.provider_ref AS ref FROM sms_held_receipts h
        WHERE EXISTS (
          SELECT 1 FROM sms_message_parts p WHERE p.provider = h.provider AND p.part_ref = h.provider_ref
        )
        LIMIT 1000`.execute(db);
      return rows;
    },

    /**
     * The held receipts for these refs, oldest first, locked until the caller's transaction ends: whoever
     * locks one applies it, then drops it (dropHeld) in the same transaction.
     */
    async lockHeld(provider: string, refs: readonly string[]): Promise<Array<HeldReceipt & { id: number }>> {
      if (refs.length === 0) return [];
      const rows = await db
        .selectFrom('sms_held_receipts')
        .select(['id', 'provider', 'provider_ref', 'status', 'error_code', 'received_at'])
        .where('provider', '=', provider)
        .where('provider_ref', 'in', [...refs])
        .orderBy('received_at')
        .orderBy('id')
        .forUpdate()
        .execute();
      return rows.map((row) => ({
        id: Number(row.id),
        provider: row.provider,
        providerRef: row.provider_ref,
        status: row.status as ReceiptStatus,
        errorCode: row.error_code ?? undefined,
        at: new Date(row.received_at),
      }));
    },

    async dropHeld(ids: readonly number[]): Promise<void> {
      if (ids.length === 0) return;
      await db
        .deleteFrom('sms_held_receipts')
        .where('id', 'in', [...ids])
        .execute();
    },

    async purgeHeldBefore(cutoff: Date): Promise<number> {
      const result = await db
        .deleteFrom('sms_held_receipts')
        .where('received_at', '<', cutoff)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type MessageParts = ReturnType<typeof messageParts>;
