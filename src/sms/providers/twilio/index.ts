/** Twilio Programmable Messaging: one REST call per message, receipts by signed status callback. */
import { countParts } from '../../encoding.js';
import type { OutgoingSms, SendResult, SmsProvider } from '../../provider.js';
import {
  createProviderHttpTransport,
  isSuccessStatus,
  parseJson,
  unreadableReplyError,
} from '../http-transport.js';
import type { TwilioConfig } from './config.js';
import { twilioReplyError } from './errors.js';
import { parseTwilioStatusCallback } from './status-callback.js';
import { readMessageResource, type TwilioCreateMessageForm, type TwilioMessageResource } from './wire.js';

export { parseTwilioUrl, type TwilioConfig } from './config.js';

export interface TwilioDeps {
  /** Instance name (SmsProvider.name); defaults to "twilio". */
  name?: string;
  /** otpgate's public URL + /webhooks/sms/{name}; without it Twilio sends no status callbacks. */
  statusCallbackUrl?: string;
  /** Clock for receipt times and Retry-After dates. */
  now?: () => Date;
}

function createMessageForm(
  config: TwilioConfig,
  message: OutgoingSms,
  statusCallbackUrl: string | undefined,
): TwilioCreateMessageForm {
  const from = message.from ?? config.from;
  return {
    To: message.to,
    ...(from === undefined ? {} : { From: from }),
    ...(config.messagingServiceSid === undefined ? {} : { MessagingServiceSid: config.messagingServiceSid }),
    Body: message.text,
    ...(statusCallbackUrl === undefined ? {} : { StatusCallback: statusCallbackUrl }),
  };
}

function sendResultOf(resource: TwilioMessageResource, text: string): SendResult {
  const segments = Number(resource.num_segments);
  // A Messaging Service reports "0" segments until it picks a sender; count them ourselves then.
  const parts = Number.isInteger(segments) && segments > 0 ? segments : countParts(text).parts;
  const price = resource.price === null ? NaN : Number(resource.price);
  return {
    providerRef: resource.sid,
    parts,
    // Twilio reports charges as negative amounts ("-0.00750").
    ...(Number.isFinite(price)
      ? { price: { amount: Math.abs(price), currency: (resource.price_unit ?? 'USD').toUpperCase() } }
      : {}),
  };
}

export function createTwilioProvider(config: TwilioConfig, deps: TwilioDeps = {}): SmsProvider {
  const name = deps.name ?? 'twilio';
  const now = deps.now ?? (() => new Date());
  const transport = createProviderHttpTransport(name, config.timeoutMs);
  const endpoint = `${config.baseUrl}/2010-04-01/Accounts/${config.accountSid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;

  return {
    name,
    kind: 'twilio',

    async send(message, options) {
      const form = createMessageForm(config, message, deps.statusCallbackUrl);
      const reply = await transport.postForm(endpoint, { ...form }, { authorization }, options?.signal);
      if (!isSuccessStatus(reply.status)) throw twilioReplyError(reply, now());
      const resource = readMessageResource(parseJson(reply.text));
      if (resource === undefined) throw unreadableReplyError(name, reply, 'a Message resource');
      return sendResultOf(resource, message.text);
    },

    parseWebhook(request) {
      return parseTwilioStatusCallback(request, { authToken: config.authToken, providerName: name, now });
    },

    close: () => transport.close(),
  };
}
