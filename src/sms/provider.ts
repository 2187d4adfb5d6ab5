/**
 * The one small interface every SMS provider module implements (Logto's connector shape):
 * a factory gets its parsed config handed in and returns this object. The dispatcher decides
 * what to do from SmsError.code, never from provider-specific strings.
 */
import type { MessageKind } from '../domain/types.js';

export type { MessageKind };

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

/** Lifecycle as reported by a provider. */
export type ReceiptStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

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
}

export interface SendOptions {
  signal?: AbortSignal;
}

export interface SmsProvider {
  /** Unique instance name, e.g. "smpp-1" or "twilio"; recorded on each message. */
  readonly name: string;
  /** Module kind: 'smpp' | 'twilio' | 'vonage' | 'http' | 'dev-outbox'. */
  readonly kind: string;
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
