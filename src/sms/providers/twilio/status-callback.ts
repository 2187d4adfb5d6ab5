/** Twilio status callbacks -> delivery receipts, after the signature checks out. */
import { SmsError, type DeliveryReceipt, type ReceiptStatus, type WebhookRequest } from '../../provider.js';
import { singleField, webhookFields, webhookHeader } from '../webhook-request.js';
import { isTwilioSignatureValid } from './signature.js';

/**
 * MessageStatus -> receipt status. queued/accepted/scheduled/sending repeat what send() already said, so they
 * make no receipt; "read" (WhatsApp/RCS) implies delivered.
 */
const RECEIPT_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

export interface StatusCallbackContext {
  authToken: string;
  providerName: string;
  now: () => Date;
}

export function parseTwilioStatusCallback(
  request: WebhookRequest,
  context: StatusCallbackContext,
): DeliveryReceipt[] {
  // Twilio posts status callbacks; for a GET, the signed data is the URL (query included) alone.
  const isPost = request.method.toUpperCase() === 'POST';
  const postParams = isPost ? webhookFields(request.body) : {};
  const signature = webhookHeader(request, 'x-twilio-signature');
  if (
    signature === undefined ||
    !isTwilioSignatureValid(context.authToken, request.url, postParams, signature)
  ) {
    throw new SmsError('unauthorized', 'twilio: status callback signature does not verify');
  }

  const fields = isPost ? postParams : webhookFields(request.query);
  const messageSid = singleField(fields, 'MessageSid') ?? singleField(fields, 'SmsSid');
  const messageStatus = singleField(fields, 'MessageStatus') ?? singleField(fields, 'SmsStatus');
  const status = messageStatus === undefined ? undefined : RECEIPT_STATUS[messageStatus];
  if (messageSid === undefined || status === undefined) return [];

  const errorCode = singleField(fields, 'ErrorCode');
  return [
    {
      provider: context.providerName,
      providerRef: messageSid,
      status,
      ...(errorCode && errorCode !== '0' ? { errorCode } : {}),
      at: context.now(),
    },
  ];
}
