/** The SMS outbox: each row is the queue entry and the record of one message. */
import { sql, type Kysely } from 'kysely';
import type { MessageStore, NewMessage } from '../domain/ports.js';
import type { Channel, MessageKind, MessageStatus, SmsMessage } from '../domain/types.js';
import type { Database, SmsMessageRow } from './database.js';

export const PRIORITY: Record<MessageKind, number> = { otp: 0, notice: 1 };

export function toMessage(row: SmsMessageRow): SmsMessage {
  return {
    id: row.id,
    kind: row.kind as MessageKind,
    channel: row.channel as Channel,
    to: row.recipient,
    preview: row.preview,
    encoding: row.encoding as SmsMessage['encoding'],
    parts: row.parts,
    price: row.price === null ? null : Number(row.price),
    currency: row.currency,
    status: row.status as MessageStatus,
    provider: row.provider,
    providerRef: row.provider_ref,
    attempts: row.attempts,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    verificationId: row.verification_id,
    clientId: row.client_id,
    tenant: row.tenant,
    createdAt: row.created_at,
    sendingAt: row.sending_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    readAt: row.read_at,
    undeliveredAt: row.undelivered_at,
    failedAt: row.failed_at,
    updatedAt: row.updated_at,
  };
}

/** A message just queued, as its row: every column, as otp_start takes it too (store/verifications.ts). */
export function messageRow(m: NewMessage): SmsMessageRow {
  return {
    id: m.id,
    kind: m.kind,
    priority: PRIORITY[m.kind],
    recipient: m.to,
    body_sealed: m.bodySealed,
    preview: m.preview,
    encoding: m.encoding,
    parts: m.parts,
    price: m.price === undefined || m.price === null ? null : String(m.price),
    currency: m.currency ?? null,
    status: 'queued',
    provider: null,
    provider_ref: null,
    attempts: 0,
    next_attempt_at: m.now,
    lease_until: null,
    expires_at: m.expiresAt,
    error_code: null,
    error_message: null,
    verification_id: m.verificationId,
    client_id: m.clientId,
    tenant: m.tenant,
    channel: m.channel ?? 'sms',
    subject: m.subject ?? null,
    code_sealed: m.codeSealed ?? null,
    locale: m.locale ?? null,
    created_at: m.now,
    sending_at: null,
    sent_at: null,
    delivered_at: null,
    read_at: null,
    undelivered_at: null,
    failed_at: null,
    claim_id: null,
    updated_at: m.now,
  };
}

export function messageStore(db: Kysely<Database>): MessageStore {
  return {
    async enqueue(m) {
      await db.insertInto('sms_messages').values(messageRow(m)).execute();
    },
    async retireQueuedOtps(verificationIds, now) {
      if (verificationIds.length === 0) return;
      await sql`SELECT otp_retire_queued_otps(ARRAY[${sql.join(verificationIds)}]::uuid[], ${now}::timestamptz)`.execute(
        db,
      );
    },
    async findById(id) {
      const row = await db.selectFrom('sms_messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toMessage(row);
    },
  };
}
