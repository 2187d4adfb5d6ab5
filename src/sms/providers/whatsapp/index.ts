/**
 * WhatsApp through Meta's Cloud API: one authentication-template message per code (the code in the body and
 * in the one-time-password button), statuses (sent, delivered, read, failed) by signed webhook.
 */
import { SmsError, type OutgoingSms, type SmsProvider } from '../../provider.js';
import {
  createProviderHttpTransport,
  errorCodeForHttpStatus,
  isSuccessStatus,
  parseJson,
  replyError,
  unreadableReplyError,
  type ProviderHttpReply,
} from '../http-transport.js';
import type { WhatsAppConfig } from './config.js';
import { WHATSAPP_ERROR_CODES } from './errors.js';
import { answerWhatsAppHandshake, parseWhatsAppWebhook } from './webhook.js';
import { readError, readSendReply, type WhatsAppTemplateSend } from './wire.js';

export { parseWhatsAppUrl, type WhatsAppConfig } from './config.js';
export { whatsAppSignature } from './webhook.js';

export interface WhatsAppDeps {
  /** Instance name (SmsProvider.name); defaults to "whatsapp". */
  name?: string;
  now?: () => Date;
}

export function templateSend(config: WhatsAppConfig, message: OutgoingSms): WhatsAppTemplateSend {
  const code = message.code;
  if (code === undefined) {
    // Only a code goes by WhatsApp: an authentication template carries nothing else.
    throw new SmsError('rejected', 'whatsapp: the message carries no code for the authentication template');
  }
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: message.to.replace(/^\+/, ''),
    type: 'template',
    template: {
      name: config.template,
      language: { code: config.languages[message.locale ?? 'en'] },
      components: [
        { type: 'body', parameters: [{ type: 'text', text: code }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: code }] },
      ],
    },
  };
}

function sendError(name: string, reply: ProviderHttpReply, now: Date): SmsError {
  const error = readError(parseJson(reply.text));
  const listed = error?.code === undefined ? undefined : WHATSAPP_ERROR_CODES[error.code];
  const code = listed ?? errorCodeForHttpStatus(reply.status);
  const reason = error?.error_data?.details ?? error?.message ?? `HTTP ${reply.status}`;
  return replyError(
    code,
    `${name}: ${reason}`,
    reply,
    now,
    error?.code === undefined ? undefined : String(error.code),
  );
}

export function createWhatsAppProvider(config: WhatsAppConfig, deps: WhatsAppDeps = {}): SmsProvider {
  const name = deps.name ?? 'whatsapp';
  const now = deps.now ?? (() => new Date());
  const transport = createProviderHttpTransport(name, config.timeoutMs);
  const url = `${config.baseUrl}/${config.version}/${config.phoneNumberId}/messages`;

  return {
    name,
    kind: 'whatsapp',
    channel: 'whatsapp',

    async send(message, options) {
      const body = templateSend(config, message);
      const reply = await transport.send(
        {
          method: 'POST',
          url,
          headers: {
            authorization: `Bearer ${config.accessToken}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify(body),
        },
        options?.signal,
      );
      if (!isSuccessStatus(reply.status)) throw sendError(name, reply, now());
      const sent = readSendReply(parseJson(reply.text));
      if (sent === undefined) throw unreadableReplyError(name, reply, 'a message id');
      return { providerRef: sent.messages[0]?.id ?? '', parts: 1 };
    },

    parseWebhook(request) {
      return parseWhatsAppWebhook(request, { providerName: name, appSecret: config.appSecret, now });
    },

    answerHandshake(request) {
      return answerWhatsAppHandshake(request, config.verifyToken);
    },

    close: () => transport.close(),
  };
}
