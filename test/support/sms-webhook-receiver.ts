/**
 * otpgate's side of a provider webhook, reduced to what the HTTP layer does: turn the request into a
 * WebhookRequest, hand it to the provider, answer 204 or 403. Keeps what each call produced.
 */
import type { IncomingMessage } from 'node:http';
import {
  SmsError,
  type DeliveryReceipt,
  type SmsProvider,
  type WebhookRequest,
} from '../../src/sms/provider.js';
import { formFields, listenOnLoopback, readBody } from './loopback-http.js';

export interface ReceivedWebhook {
  request: WebhookRequest;
  receipts?: DeliveryReceipt[];
  error?: SmsError;
}

export interface SmsWebhookReceiver {
  /** Public URL of the webhook for the provider, e.g. http://127.0.0.1:PORT/webhooks/sms/twilio */
  url: string;
  received: ReceivedWebhook[];
  /** The provider that parses what arrives; set once it is built (it needs `url` first). */
  provider: SmsProvider | undefined;
  close(): Promise<void>;
}

function parsedBody(req: IncomingMessage, text: string): unknown {
  const type = req.headers['content-type'] ?? '';
  if (text === '') return undefined;
  if (type.includes('application/json')) return JSON.parse(text) as unknown;
  if (type.includes('application/x-www-form-urlencoded')) return formFields(text);
  return text;
}

export async function startSmsWebhookReceiver(providerName: string): Promise<SmsWebhookReceiver> {
  const path = `/webhooks/sms/${providerName}`;
  let origin = '';
  const server = await listenOnLoopback(async (req, res) => {
    const text = await readBody(req);
    const url = new URL(req.url ?? '/', origin);
    const request: WebhookRequest = {
      url: `${origin}${req.url ?? '/'}`,
      method: req.method ?? 'GET',
      headers: req.headers,
      body: parsedBody(req, text),
      query: Object.fromEntries(url.searchParams),
    };
    const provider = receiver.provider;
    if (url.pathname !== path || provider?.parseWebhook === undefined) {
      res.writeHead(404).end();
      return;
    }
    try {
      receiver.received.push({ request, receipts: provider.parseWebhook(request) });
      res.writeHead(204).end();
    } catch (error) {
      if (!(error instanceof SmsError)) throw error;
      receiver.received.push({ request, error });
      res.writeHead(error.code === 'unauthorized' ? 403 : 400).end();
    }
  });
  origin = server.origin;
  const receiver: SmsWebhookReceiver = {
    url: `${origin}${path}`,
    received: [],
    provider: undefined,
    close: server.close,
  };
  return receiver;
}
