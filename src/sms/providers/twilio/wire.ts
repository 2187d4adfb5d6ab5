/**
 * Twilio Programmable Messaging on the wire (API version 2010-04-01): the Message resource it returns,
 * its error body, and the status callback it posts. Readers check only the fields otpgate uses.
 */

/** POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded. */
export interface TwilioCreateMessageForm {
  To: string;
  From?: string;
  MessagingServiceSid?: string;
  Body: string;
  StatusCallback?: string;
}

export type TwilioMessageStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'failed'
  | 'delivered'
  | 'undelivered'
  | 'receiving'
  | 'received'
  | 'accepted'
  | 'scheduled'
  | 'read'
  | 'partially_delivered'
  | 'canceled';

/** The Message resource (201 Created); Twilio sends more fields, these are the ones we read. */
export interface TwilioMessageResource {
  sid: string;
  status: string;
  /** A decimal string; "0" while a Messaging Service has not yet picked a sender. */
  num_segments: string | null;
  /** Negative decimal string (a charge), or null until the carrier prices the message. */
  price: string | null;
  price_unit: string | null;
  error_code: number | null;
  error_message: string | null;
}

/** Every 4xx/5xx body: https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info?: string;
  status: number;
}

/** Status callback, form-encoded; ErrorCode only on failed/undelivered. */
export interface TwilioStatusCallback {
  AccountSid: string;
  MessageSid: string;
  MessageStatus: string;
  ErrorCode?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function readMessageResource(json: unknown): TwilioMessageResource | undefined {
  if (!isRecord(json) || typeof json.sid !== 'string' || typeof json.status !== 'string') return undefined;
  return {
    sid: json.sid,
    status: json.status,
    num_segments: stringOrNull(json.num_segments),
    price: stringOrNull(json.price),
    price_unit: stringOrNull(json.price_unit),
    error_code: typeof json.error_code === 'number' ? json.error_code : null,
    error_message: stringOrNull(json.error_message),
  };
}

export function readErrorBody(json: unknown): TwilioErrorBody | undefined {
  if (!isRecord(json) || typeof json.code !== 'number' || typeof json.message !== 'string') return undefined;
  return {
    code: json.code,
    message: json.message,
    more_info: typeof json.more_info === 'string' ? json.more_info : undefined,
    status: typeof json.status === 'number' ? json.status : 0,
  };
}
