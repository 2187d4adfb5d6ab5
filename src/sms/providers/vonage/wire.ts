/**
 * Vonage SMS API on the wire (https://developer.vonage.com/en/api/sms): the send form, its JSON reply
 * (one entry per part, HTTP 200 even on failure), and the delivery receipt webhook.
 */

/** POST /sms/json, form-encoded. */
export interface VonageSendForm {
  api_key: string;
  api_secret: string;
  from: string;
  /** Digits only, no '+'. */
  to: string;
  text: string;
  /** "unicode" when the text is not GSM-7; Vonage sends it as UCS-2. */
  type?: 'unicode';
  /** Our message id, echoed in replies and receipts (max 100 characters). */
  'client-ref': string;
  /** Delivery receipt URL for this message. */
  callback?: string;
}

export interface VonageSentPart {
  /** "0" accepted; anything else is an error status (see errors.ts). */
  status: string;
  'message-id'?: string;
  to?: string;
  'remaining-balance'?: string;
  /** EUR, as a decimal string. */
  'message-price'?: string;
  network?: string;
  'client-ref'?: string;
  'error-text'?: string;
}

export interface VonageSendReply {
  'message-count': string;
  messages: VonageSentPart[];
}

/** Delivery receipt fields (GET query, or POST JSON/form body); `sig` and friends only on signed accounts. */
export interface VonageDeliveryReceipt {
  messageId: string;
  status: 'delivered' | 'expired' | 'failed' | 'rejected' | 'accepted' | 'buffered' | 'unknown';
  msisdn?: string;
  to?: string;
  'network-code'?: string;
  price?: string;
  scts?: string;
  'err-code'?: string;
  'api-key'?: string;
  'client-ref'?: string;
  'message-timestamp'?: string;
  timestamp?: string;
  nonce?: string;
  sig?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(record: Record<string, unknown>, name: string): Record<string, string> {
  const value = record[name];
  return typeof value === 'string' ? { [name]: value } : {};
}

function readSentPart(value: unknown): VonageSentPart | undefined {
  if (!isRecord(value) || typeof value.status !== 'string') return undefined;
  // An accepted part is useless without its id: receipts arrive by it.
  if (value.status === '0' && typeof value['message-id'] !== 'string') return undefined;
  return {
    status: value.status,
    ...optionalText(value, 'message-id'),
    ...optionalText(value, 'to'),
    ...optionalText(value, 'remaining-balance'),
    ...optionalText(value, 'message-price'),
    ...optionalText(value, 'network'),
    ...optionalText(value, 'client-ref'),
    ...optionalText(value, 'error-text'),
  };
}

export function readSendReply(json: unknown): VonageSendReply | undefined {
  if (!isRecord(json) || !Array.isArray(json.messages)) return undefined;
  const messages: VonageSentPart[] = [];
  for (const entry of json.messages as unknown[]) {
    const part = readSentPart(entry);
    if (part === undefined) return undefined;
    messages.push(part);
  }
  if (messages.length === 0) return undefined;
  const count = json['message-count'];
  return { 'message-count': typeof count === 'string' ? count : String(messages.length), messages };
}
