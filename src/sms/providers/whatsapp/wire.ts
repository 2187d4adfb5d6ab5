/**
 * The WhatsApp Cloud API's wire shapes (developers.facebook.com/docs/whatsapp/cloud-api): the authentication
 * template send, its reply and error, and the status webhook.
 */

/** POST /{version}/{phone-number-id}/messages with an authentication template. */
export interface WhatsAppTemplateSend {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  /** The number in digits, without '+'. */
  to: string;
  type: 'template';
  template: {
    name: string;
    language: { code: string };
    components: [
      { type: 'body'; parameters: [{ type: 'text'; text: string }] },
      // The one-time-password (copy code / one-tap) button takes the code as its URL parameter.
      { type: 'button'; sub_type: 'url'; index: '0'; parameters: [{ type: 'text'; text: string }] },
    ];
  };
}

export interface WhatsAppSendReply {
  messaging_product: 'whatsapp';
  contacts?: { input: string; wa_id: string }[];
  messages: { id: string; message_status?: string }[];
}

/** Graph API errors: `{"error": {...}}` with an HTTP 4xx or 5xx. */
export interface WhatsAppError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { messaging_product?: string; details?: string };
  fbtrace_id?: string;
}

export interface WhatsAppStatus {
  id: string;
  status: string;
  timestamp?: string;
  recipient_id?: string;
  errors?: { code?: number; title?: string; message?: string }[];
}

/** The webhook: statuses of sent messages under entry[].changes[].value.statuses[]. */
export interface WhatsAppWebhookBody {
  object: string;
  entry?: { id?: string; changes?: { field?: string; value?: { statuses?: WhatsAppStatus[] } }[] }[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function readSendReply(value: unknown): WhatsAppSendReply | undefined {
  if (!isObject(value) || !Array.isArray(value.messages)) return undefined;
  const first: unknown = value.messages[0];
  if (!isObject(first) || typeof first.id !== 'string' || first.id === '') return undefined;
  return value as unknown as WhatsAppSendReply;
}

export function readError(value: unknown): WhatsAppError | undefined {
  return isObject(value) && isObject(value.error) ? (value.error as WhatsAppError) : undefined;
}

/** The statuses a webhook carries; undefined when the body is not a WhatsApp Business Account webhook. */
export function readStatuses(value: unknown): WhatsAppStatus[] | undefined {
  if (!isObject(value) || value.object !== 'whatsapp_business_account' || !Array.isArray(value.entry)) {
    return undefined;
  }
  const statuses: WhatsAppStatus[] = [];
  for (const entry of value.entry as unknown[]) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes as unknown[]) {
      if (!isObject(change) || !isObject(change.value) || !Array.isArray(change.value.statuses)) continue;
      for (const status of change.value.statuses as unknown[]) {
        if (isObject(status) && typeof status.id === 'string' && typeof status.status === 'string') {
          statuses.push(status as unknown as WhatsAppStatus);
        }
      }
    }
  }
  return statuses;
}
