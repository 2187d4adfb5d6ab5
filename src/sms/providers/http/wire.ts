/**
 * The generic HTTP gateway has no wire format of its own: the operator describes the gateway's in a JSON
 * file (this shape) or in the provider URL, and templates fill in each message.
 */

/**
 * Placeholders a URL or body template may use. `receiptUrl` is this message's delivery-receipt callback
 * (PUBLIC_URL/webhooks/sms/{name}?ref=..&sig=.. and `receipts.callbackQuery`), for gateways that call a URL
 * they are handed per message (Kannel's dlr-url).
 */
export const TEMPLATE_PLACEHOLDERS = ['to', 'toDigits', 'text', 'id', 'from', 'receiptUrl'] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** When a reply counts as accepted; every condition given must hold (none given: any 2xx). */
export interface HttpGatewaySuccessTest {
  /** Accepted HTTP statuses; default any 2xx. */
  status?: number[];
  bodyContains?: string;
  /** Dot path into the JSON reply (`result.code`, `messages[0].status`); alone it must be present and not null. */
  jsonPath?: string;
  /** The value at jsonPath, compared as text (so 0 equals "0"). */
  equals?: string | number;
}

/** Gateway status values, mapped to ours; values not listed (intermediate states) are ignored. */
export type HttpGatewayStatusMap = Record<string, 'sent' | 'delivered' | 'undelivered' | 'failed'>;

/**
 * How the gateway reports delivery. Either it calls the `{receiptUrl}` it was handed with each message
 * (signed by otpgate, so nothing else is needed), or it posts to PUBLIC_URL/webhooks/sms/{name} on its own,
 * sending `token` (a shared secret) or, where the operator allows it, nothing (`unsigned: "accept"`).
 */
export interface HttpGatewayReceiptsFile {
  /** Appended to {receiptUrl}'s query: the gateway's own placeholders (Kannel: "status=%d"). */
  callbackQuery?: string;
  /** The field naming the message (query, form field, or JSON dot path); default `ref`, {receiptUrl}'s own. */
  refField?: string;
  /** The field with the gateway's status; default `status`. */
  statusField?: string;
  statuses: HttpGatewayStatusMap;
  /** The field with the gateway's error code, if any. */
  errorField?: string;
  /** A shared secret the gateway sends in `tokenHeader` (default Authorization, bare or "Bearer ..."). */
  token?: string;
  tokenHeader?: string;
  unsigned?: 'accept';
}

/** The gateway description file (`http://?config=/etc/otpgate/gateway.json`). */
export interface HttpGatewayFile {
  method?: string;
  /** Gateway URL; placeholders are URL-escaped. */
  url: string;
  headers?: Record<string, string>;
  /** Request body; placeholders are JSON-escaped for a JSON content type, form-escaped for a form, else as is. */
  bodyTemplate?: string;
  success?: HttpGatewaySuccessTest;
  /** Dot path of the gateway's message id in a JSON reply; without it (or when absent) our id is the ref. */
  refPath?: string;
  from?: string;
  timeoutMs?: number;
  receipts?: HttpGatewayReceiptsFile;
}
