/** Vonage (Nexmo) SMS API: one POST per message, one reply entry per part, receipts by signed webhook. */
import { encodingOf } from '../../encoding.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../provider.js';
import {
  createProviderHttpTransport,
  errorCodeForHttpStatus,
  isSuccessStatus,
  parseJson,
  replyError,
  unreadableReplyError,
} from '../http-transport.js';
import type { VonageConfig } from './config.js';
import { parseVonageDeliveryReceipt } from './delivery-receipt.js';
import { vonagePartError } from './errors.js';
import { readSendReply, type VonageSendForm, type VonageSendReply } from './wire.js';

export { parseVonageUrl, type VonageConfig, type VonageSignatureMethod } from './config.js';

/** The SMS API's reply carries no currency; its message-price is in EUR. */
const VONAGE_CURRENCY = 'EUR';

export interface VonageDeps {
  /** Instance name (SmsProvider.name); defaults to "vonage". */
  name?: string;
  /** otpgate's public URL + /webhooks/sms/{name}; without it receipts go to the dashboard's default URL. */
  statusCallbackUrl?: string;
  /** Clock for receipt times. */
  now?: () => Date;
}

function sendForm(config: VonageConfig, message: OutgoingSms, callback: string | undefined): VonageSendForm {
  return {
    api_key: config.apiKey,
    api_secret: config.apiSecret,
    from: (message.from ?? config.from).replace(/^\+/, ''),
    to: message.to.replace(/^\+/, ''),
    text: message.text,
    ...(encodingOf(message.text) === 'ucs2' ? { type: 'unicode' as const } : {}),
    'client-ref': message.id,
    ...(callback === undefined ? {} : { callback }),
  };
}

function sendResultOf(reply: VonageSendReply): SendResult {
  const refs = reply.messages.map((part) => part['message-id'] ?? '');
  const count = Number(reply['message-count']);
  const cost = reply.messages.reduce((sum, part) => sum + Number(part['message-price'] ?? NaN), 0);
  return {
    providerRef: refs[0] ?? '',
    ...(refs.length > 1 ? { partRefs: refs } : {}),
    parts: Number.isInteger(count) && count > 0 ? count : refs.length,
    // Prices come with 8 decimals; rounding there drops the float noise of the sum.
    ...(Number.isFinite(cost)
      ? { price: { amount: Math.round(cost * 1e8) / 1e8, currency: VONAGE_CURRENCY } }
      : {}),
  };
}

export function createVonageProvider(config: VonageConfig, deps: VonageDeps = {}): SmsProvider {
  const name = deps.name ?? 'vonage';
  const now = deps.now ?? (() => new Date());
  const transport = createProviderHttpTransport(name, config.timeoutMs);

  return {
    name,
    kind: 'vonage',

    async send(message, options) {
      const form = sendForm(config, message, deps.statusCallbackUrl);
      const reply = await transport.postForm(`${config.baseUrl}/sms/json`, { ...form }, {}, options?.signal);
      if (!isSuccessStatus(reply.status)) {
        throw replyError(errorCodeForHttpStatus(reply.status), `${name}: HTTP ${reply.status}`, reply, now());
      }
      const sent = readSendReply(parseJson(reply.text));
      if (sent === undefined) throw unreadableReplyError(name, reply, 'a message list');
      // A part that failed spoils the message, even if the others went out.
      const failed = sent.messages.find((part) => part.status !== '0');
      if (failed !== undefined) throw vonagePartError(failed);
      return sendResultOf(sent);
    },

    parseWebhook(request) {
      return parseVonageDeliveryReceipt(request, {
        providerName: name,
        signatureSecret: config.signatureSecret,
        signatureMethod: config.signatureMethod,
        acceptUnsignedReceipts: config.acceptUnsignedReceipts,
        now,
      });
    },

    close: () => transport.close(),
  };
}
