/** Vonage delivery receipts (GET query, POST JSON or POST form) -> receipts, after the signature checks out. */
import { SmsError, type DeliveryReceipt, type ReceiptStatus, type WebhookRequest } from '../../provider.js';
import { singleField, webhookFields, type WebhookFields } from '../webhook-request.js';
import type { VonageSignatureMethod } from './config.js';
import { isVonageSignatureValid } from './signature.js';
import type { VonageDeliveryReceipt } from './wire.js';

/** Receipt status -> ours. "unknown" says nothing new, so it makes no receipt. */
const RECEIPT_STATUS: Readonly<Record<VonageDeliveryReceipt['status'], ReceiptStatus | undefined>> = {
  delivered: 'delivered',
  expired: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
  accepted: 'sent',
  buffered: 'sent',
  unknown: undefined,
};

export interface DeliveryReceiptContext {
  providerName: string;
  signatureSecret: string | undefined;
  signatureMethod: VonageSignatureMethod;
  acceptUnsignedReceipts: boolean;
  now: () => Date;
}

function isAuthentic(fields: WebhookFields, context: DeliveryReceiptContext): boolean {
  if (context.signatureSecret === undefined) return context.acceptUnsignedReceipts;
  return isVonageSignatureValid(fields, context.signatureSecret, context.signatureMethod);
}

function receiptFields(request: WebhookRequest): WebhookFields {
  const fromBody = webhookFields(request.body);
  return Object.keys(fromBody).length > 0 ? fromBody : webhookFields(request.query);
}

function isKnownStatus(status: string): status is VonageDeliveryReceipt['status'] {
  return Object.hasOwn(RECEIPT_STATUS, status);
}

export function parseVonageDeliveryReceipt(
  request: WebhookRequest,
  context: DeliveryReceiptContext,
): DeliveryReceipt[] {
  const fields = receiptFields(request);
  // A forged receipt could fail a sent message. Replays are not refused: a receipt repeats a status the
  // message already reached, so replaying one changes nothing.
  if (!isAuthentic(fields, context)) {
    throw new SmsError('unauthorized', 'vonage: delivery receipt signature does not verify');
  }

  const messageId = singleField(fields, 'messageId');
  const vonageStatus = singleField(fields, 'status');
  if (messageId === undefined || vonageStatus === undefined || !isKnownStatus(vonageStatus)) return [];
  const status = RECEIPT_STATUS[vonageStatus];
  if (status === undefined) return [];

  const errorCode = singleField(fields, 'err-code');
  return [
    {
      provider: context.providerName,
      providerRef: messageId,
      status,
      ...(errorCode && errorCode !== '0' ? { errorCode } : {}),
      at: context.now(),
    },
  ];
}
