/**
 * The generic HTTP gateway has no wire format of its own: the operator describes the gateway's in a JSON
 * file (this shape) or in the provider URL, and templates fill in each message.
 */

/** Placeholders a URL or body template may use. */
export const TEMPLATE_PLACEHOLDERS = ['to', 'toDigits', 'text', 'id', 'from'] as const;
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
}
