/**
 * Delivery receipts from a generic HTTP gateway. A gateway that calls a URL it is handed per message (Kannel's
 * dlr-url, and most regional gateways' "callback URL") gets {receiptUrl}: our webhook with the message id and
 * an HMAC of it, so a receipt is authentic without any secret the gateway must know. A gateway that posts to
 * the webhook on its own sends a shared token, or nothing where the operator allowed that explicitly.
 */
import { createHmac } from 'node:crypto';
import { SmsError, type DeliveryReceipt, type WebhookRequest } from '../../provider.js';
import { equalInConstantTime, singleField, webhookFields, webhookHeader } from '../webhook-request.js';
import type { HttpGatewayReceipts } from './config.js';
import { valueAtJsonPath } from './json-path.js';

export interface ReceiptUrlSigner {
  /** PUBLIC_URL + the provider's webhook path. */
  webhookUrl: string;
  /** Shared by every node (derived from CODE_SECRET): any node can check what another handed out. */
  key: Buffer;
}

/** 128 bits of HMAC-SHA256, base64url: enough that guessing one is hopeless, short enough for a URL. */
function signatureOf(signer: ReceiptUrlSigner, ref: string): string {
  return createHmac('sha256', signer.key)
    .update(`${signer.webhookUrl}\n${ref}`)
    .digest('base64url')
    .slice(0, 22);
}

export function receiptUrlFor(signer: ReceiptUrlSigner, receipts: HttpGatewayReceipts, ref: string): string {
  const query = `ref=${encodeURIComponent(ref)}&sig=${signatureOf(signer, ref)}`;
  return `${signer.webhookUrl}?${query}${receipts.callbackQuery === undefined ? '' : `&${receipts.callbackQuery}`}`;
}

/** A field from the query (where {receiptUrl} puts ours), else the form body, else a dot path into JSON. */
function fieldOf(request: WebhookRequest, name: string): string | undefined {
  const fromQuery = request.query[name];
  if (fromQuery !== undefined) return fromQuery;
  const fromForm = singleField(webhookFields(request.body), name);
  if (fromForm !== undefined) return fromForm;
  const value = valueAtJsonPath(request.body, name);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function presentedToken(request: WebhookRequest, receipts: HttpGatewayReceipts): string | undefined {
  const header = webhookHeader(request, receipts.tokenHeader);
  return header?.replace(/^Bearer\s+/i, '');
}

function isAuthentic(
  request: WebhookRequest,
  receipts: HttpGatewayReceipts,
  signer: ReceiptUrlSigner,
  ref: string,
): boolean {
  const sig = request.query.sig;
  if (receipts.callback && sig !== undefined) return equalInConstantTime(signatureOf(signer, ref), sig);
  if (receipts.token !== undefined) {
    const given = presentedToken(request, receipts);
    return given !== undefined && equalInConstantTime(receipts.token, given);
  }
  return receipts.acceptUnsigned;
}

export function parseGatewayReceipt(
  request: WebhookRequest,
  receipts: HttpGatewayReceipts,
  signer: ReceiptUrlSigner,
  context: { providerName: string; now: () => Date },
): DeliveryReceipt[] {
  const ref = fieldOf(request, receipts.refField) ?? '';
  // Checked before anything else is read: a forged receipt could fail a sent message.
  if (!isAuthentic(request, receipts, signer, ref)) {
    throw new SmsError('unauthorized', `${context.providerName}: delivery receipt not authenticated`);
  }
  const given = fieldOf(request, receipts.statusField);
  const status =
    given !== undefined && Object.hasOwn(receipts.statuses, given) ? receipts.statuses[given] : undefined;
  if (ref === '' || status === undefined) return [];
  const errorCode = receipts.errorField === undefined ? undefined : fieldOf(request, receipts.errorField);
  return [
    {
      provider: context.providerName,
      providerRef: ref,
      status,
      ...(errorCode === undefined || errorCode === '' || errorCode === '0' ? {} : { errorCode }),
      at: context.now(),
    },
  ];
}
