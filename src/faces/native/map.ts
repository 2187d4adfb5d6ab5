/** Domain objects -> the native API's wire objects (timestamps as ISO 8601 strings). */
import type { SecurityEventRecord } from '../../domain/ports.js';
import { DomainError } from '../../domain/errors.js';
import type { Customer, SmsMessage, Verification } from '../../domain/types.js';

export const IDEMPOTENCY_KEY = 'idempotency-key';

/**
 * The Idempotency-Key header's value (Stripe's rules: up to 255 characters; we take visible ASCII, so it
 * reads the same in every log), or undefined when the request has none.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new DomainError('invalid_request', {
      details: [
        {
          field: `headers:/${IDEMPOTENCY_KEY}`,
          problem: 'must be one value of 1 to 255 visible ASCII characters (a UUID is a good one)',
        },
      ],
    });
  }
  return header;
}

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date === null ? null : date.toISOString());

export function customerToWire(customer: Customer) {
  const { pendingPhone, pendingVerificationId, createdAt, updatedAt, ...rest } = customer;
  return {
    ...rest,
    pendingPhoneChange:
      pendingPhone === null ? null : { phone: pendingPhone, verificationId: pendingVerificationId },
    createdAt: iso(createdAt),
    updatedAt: iso(updatedAt),
  };
}

export function verificationToWire(verification: Verification) {
  const {
    clientId: _client,
    expiresAt,
    createdAt,
    updatedAt,
    approvedAt,
    sends,
    stepDeadline,
    ...rest
  } = verification;
  return {
    ...rest,
    stepDeadline: isoOrNull(stepDeadline),
    expiresAt: iso(expiresAt),
    createdAt: iso(createdAt),
    updatedAt: iso(updatedAt),
    approvedAt: isoOrNull(approvedAt),
    sends: sends.map((send) => ({ ...send, at: iso(send.at) })),
  };
}

export function messageToWire(message: SmsMessage) {
  const { errorCode, errorMessage, clientId: _client, sendingAt: _sending, ...rest } = message;
  return {
    ...rest,
    error: errorCode === null ? null : { code: errorCode, message: errorMessage },
    createdAt: iso(message.createdAt),
    sentAt: isoOrNull(message.sentAt),
    deliveredAt: isoOrNull(message.deliveredAt),
    readAt: isoOrNull(message.readAt),
    undeliveredAt: isoOrNull(message.undeliveredAt),
    failedAt: isoOrNull(message.failedAt),
    updatedAt: iso(message.updatedAt),
  };
}

/** The tenant is the caller's own: not repeated. */
export function eventToWire(event: SecurityEventRecord) {
  const { tenant: _tenant, at, ...rest } = event;
  return { ...rest, at: iso(at) };
}

export function webhookToWire<T extends { url: string; createdAt: Date; updatedAt: Date }>(webhook: T) {
  return { ...webhook, createdAt: iso(webhook.createdAt), updatedAt: iso(webhook.updatedAt) };
}
