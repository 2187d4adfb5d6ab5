/**
 * WhatsApp's webhook: the subscription handshake (GET with hub.mode=subscribe, hub.verify_token and
 * hub.challenge, answered with the challenge) and the statuses Meta posts, signed in X-Hub-Signature-256 with
 * an HMAC-SHA256 of the raw body under the app secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SmsError, type DeliveryReceipt, type ReceiptStatus, type WebhookRequest } from '../../provider.js';
import { headerValue } from '../http-transport.js';
import { readStatuses } from './wire.js';

const STATUSES: Readonly<Record<string, ReceiptStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

/** Equal lengths compared in constant time: a forged signature learns nothing from the time it takes. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function whatsAppSignature(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;
}

/** The challenge to echo, or undefined for a request that is no handshake; a wrong token is refused. */
export function answerWhatsAppHandshake(request: WebhookRequest, verifyToken: string): string | undefined {
  if (request.method !== 'GET' || request.query['hub.mode'] === undefined) return undefined;
  const token = request.query['hub.verify_token'] ?? '';
  const challenge = request.query['hub.challenge'];
  if (request.query['hub.mode'] !== 'subscribe' || !sameSecret(token, verifyToken)) {
    throw new SmsError('unauthorized', 'whatsapp: handshake with a verify token that is not ours');
  }
  if (challenge === undefined || !/^[A-Za-z0-9_-]{1,128}$/.test(challenge)) {
    throw new SmsError('rejected', 'whatsapp: handshake without a usable hub.challenge');
  }
  return challenge;
}

export function parseWhatsAppWebhook(
  request: WebhookRequest,
  options: { providerName: string; appSecret: string; now: () => Date },
): DeliveryReceipt[] {
  const signature = headerValue(request.headers, 'x-hub-signature-256') ?? '';
  if (
    request.rawBody === undefined ||
    !sameSecret(signature, whatsAppSignature(request.rawBody, options.appSecret))
  ) {
    throw new SmsError('unauthorized', 'whatsapp: X-Hub-Signature-256 does not verify');
  }
  const statuses = readStatuses(request.body);
  if (statuses === undefined)
    throw new SmsError('rejected', 'whatsapp: not a WhatsApp Business Account webhook');
  const receipts: DeliveryReceipt[] = [];
  for (const status of statuses) {
    const mapped = STATUSES[status.status];
    // Other statuses (deleted, warning) say nothing of delivery.
    if (mapped === undefined) continue;
    const seconds = Number(status.timestamp);
    const code = status.errors?.[0]?.code;
    receipts.push({
      provider: options.providerName,
      providerRef: status.id,
      status: mapped,
      ...(code === undefined ? {} : { errorCode: String(code) }),
      at: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : options.now(),
    });
  }
  return receipts;
}
