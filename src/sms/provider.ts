/**
 * The one small interface every SMS provider module implements (Logto's connector shape):
 * a factory gets its parsed config handed in and returns this object. The dispatcher decides
 * what to do from SmsError.code, never from provider-specific strings.
 */
import type { Channel, Locale, MessageKind } from '../domain/types.js';

export type { Channel, MessageKind };

/** What the dispatcher hands a provider: one logical message (the provider splits it into parts). */
export interface OutgoingSms {
  /** otpgate's message id (UUID); sent as the provider's client reference where the protocol has one. */
  id: string;
  /** Destination in E.164, with the leading '+'. */
  to: string;
  text: string;
  kind: MessageKind;
  /** Sender id / number override; providers fall back to their configured `from`. */
  from?: string;
  /** sms when absent. `to` is an email address for email. */
  channel?: Channel;
  /** An email's subject line. */
  subject?: string;
  /** The code alone, for a channel that carries it apart from the text (WhatsApp's authentication template). */
  code?: string;
  /** The language of the text, for a provider that sends an approved template in it. */
  locale?: Locale;
}

export interface Price {
  amount: number;
  currency: string;
}

export interface SendResult {
  /** The provider's id for the message (for a multi-part SMPP message: the id of the first part). */
  providerRef: string;
  /** Every provider id of the message's parts, when there are several (receipts arrive per part). */
  partRefs?: string[];
  parts: number;
  /** What the provider says it charged, when it says so; otherwise the price table decides. */
  price?: Price;
}

/** Lifecycle as reported by a provider; `read` (WhatsApp) is delivered, and opened by its reader. */
export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'undelivered' | 'failed';

export interface DeliveryReceipt {
  /** Provider instance name (SmsProvider.name). */
  provider: string;
  /** The provider's id of the message or of one of its parts. */
  providerRef: string;
  status: ReceiptStatus;
  /** Provider's own error code/reason, when the receipt carries one. */
  errorCode?: string;
  at: Date;
}

/** A webhook request as the HTTP layer saw it: enough to verify a provider's signature. */
export interface WebhookRequest {
  /** The full public URL the provider called (scheme, host, path and query). */
  url: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed body: form fields or JSON object. */
  body: unknown;
  /** Query parameters. */
  query: Record<string, string | undefined>;
  /** The body as it came, for a signature over its bytes (WhatsApp's X-Hub-Signature-256). */
  rawBody?: string;
}

export interface SendOptions {
  signal?: AbortSignal;
}

export interface SmsProvider {
  /** Unique instance name, e.g. "smpp-1" or "twilio"; recorded on each message. */
  readonly name: string;
  /** Module kind: 'smpp' | 'twilio' | 'vonage' | 'http' | 'whatsapp' | 'smtp' | 'dev-outbox'. */
  readonly kind: string;
  /** The channel it carries; sms when absent. The dispatcher hands it that channel's messages only. */
  readonly channel?: Channel;
  /**
   * Send one message; resolves once the provider accepted it, or throws SmsError. When `signal` aborts (the
   * dispatcher gave up waiting), a provider that has handed nothing over yet stops and throws 'unavailable',
   * so another may send the message; one that already put the message on the wire finishes and tells the
   * outcome, so the message is never sent twice on a guess.
   */
  send(message: OutgoingSms, options?: SendOptions): Promise<SendResult>;
  /** Providers that push receipts over their own connection (SMPP deliver_sm) report them here. */
  /** The listener's promise rejects when the receipt was not recorded: the provider then asks for it again. */
  onReceipt?(listener: (receipt: DeliveryReceipt) => void | Promise<void>): void;
  /**
   * Providers that report receipts by webhook verify and parse the callback here.
   * Throws SmsError('unauthorized') when the signature does not verify.
   */
  parseWebhook?(request: WebhookRequest): DeliveryReceipt[];
  /**
   * Providers whose webhook is subscribed by a handshake (WhatsApp's GET with hub.challenge) answer it here:
   * the text to reply with, or SmsError('unauthorized') when the token is not ours; undefined when the
   * request is no handshake.
   */
  answerHandshake?(request: WebhookRequest): string | undefined;
  /** Release connections and timers. */
  close(): Promise<void>;
}

/**
 * Error codes a provider raises; the dispatcher's policy keys on these:
 * - rate_limited: transient, retry later (patiently): throttled, queue full, HTTP 429.
 * - unavailable: transient, retry a few times / fail over: connection down, timeout, 5xx, system error.
 * - rejected: permanent for this message (invalid destination, blocked, unroutable): fail at once.
 * - invalid_config: permanent for this provider (bad credentials, bad sender): fail over, alert.
 * - unauthorized: a webhook whose signature did not verify.
 */
/**
 * `unconfirmed`: the message was handed over (an SMPP submit on the wire) and no answer came: the provider
 * may have taken it, so the dispatcher retries it later instead of handing it to the next provider now.
 */
export type SmsErrorCode =
  'rate_limited' | 'unavailable' | 'unconfirmed' | 'rejected' | 'invalid_config' | 'unauthorized';

export class SmsError extends Error {
  readonly code: SmsErrorCode;
  /** The provider's own code (e.g. "ESME_RTHROTTLED", "21211") for the message record. */
  readonly providerCode: string | undefined;
  /** A provider-suggested wait before retrying, when it gives one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: SmsErrorCode,
    message: string,
    options: { providerCode?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SmsError';
    this.code = code;
    this.providerCode = options.providerCode;
    this.retryAfterMs = options.retryAfterMs;
  }

  get transient(): boolean {
    return this.code === 'rate_limited' || this.code === 'unavailable';
  }
}
