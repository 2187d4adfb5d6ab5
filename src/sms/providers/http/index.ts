/** A generic HTTP gateway (Kannel, PlaySMS, Jasmin, a carrier's own API): one templated request per message. */
import { countParts } from '../../encoding.js';
import type { OutgoingSms, SmsProvider, WebhookRequest } from '../../provider.js';
import { createProviderHttpTransport } from '../http-transport.js';
import type { HttpGatewayConfig } from './config.js';
import { parseGatewayReceipt, receiptUrlFor, type ReceiptUrlSigner } from './receipts.js';
import { failedSuccessCondition, gatewayReplyError, providerRefOf } from './reply.js';
import { fillTemplate } from './template.js';
import type { TemplatePlaceholder } from './wire.js';

export { parseHttpGatewayUrl, readHttpGatewayDescription, type HttpGatewayConfig } from './config.js';
export type { HttpGatewayFile, HttpGatewaySuccessTest } from './wire.js';

export interface HttpGatewayDeps {
  /** Instance name (SmsProvider.name); defaults to "http". */
  name?: string;
  /** Clock for Retry-After dates. */
  now?: () => Date;
  /** Where receipts come back, and the key that signs {receiptUrl}: needed when the config has receipts. */
  receiptSigner?: ReceiptUrlSigner;
}

function placeholderValues(
  config: HttpGatewayConfig,
  message: OutgoingSms,
  signer: ReceiptUrlSigner | undefined,
): Record<TemplatePlaceholder, string> {
  const { receipts } = config;
  return {
    to: message.to,
    toDigits: message.to.replace(/^\+/, ''),
    text: message.text,
    id: message.id,
    from: message.from ?? config.from ?? '',
    receiptUrl:
      receipts?.callback === true && signer !== undefined ? receiptUrlFor(signer, receipts, message.id) : '',
  };
}

export function createHttpGatewayProvider(
  config: HttpGatewayConfig,
  deps: HttpGatewayDeps = {},
): SmsProvider {
  const name = deps.name ?? 'http';
  const now = deps.now ?? (() => new Date());
  const transport = createProviderHttpTransport(name, config.timeoutMs);
  const { receipts } = config;
  const signer = deps.receiptSigner;
  if (receipts !== undefined && signer === undefined) {
    throw new Error(`${name}: receipts are configured, but no webhook address was given`);
  }

  return {
    name,
    kind: 'http',

    async send(message, options) {
      const values = placeholderValues(config, message, signer);
      const reply = await transport.send(
        {
          method: config.method,
          url: fillTemplate(config.url, values, 'url'),
          headers: config.headers,
          ...(config.bodyTemplate === undefined
            ? {}
            : { body: fillTemplate(config.bodyTemplate, values, config.bodyEscaping) }),
        },
        options?.signal,
      );
      const failed = failedSuccessCondition(config.success, reply);
      if (failed !== undefined) throw gatewayReplyError(name, reply, failed, now());
      return {
        providerRef: providerRefOf(reply, config.refPath) ?? message.id,
        // Receipts to {receiptUrl} name the message by our id, whatever id the gateway gave it.
        ...(receipts?.callback === true ? { partRefs: [message.id] } : {}),
        parts: countParts(message.text).parts,
      };
    },

    ...(receipts === undefined || signer === undefined
      ? {}
      : {
          parseWebhook: (request: WebhookRequest) =>
            parseGatewayReceipt(request, receipts, signer, { providerName: name, now }),
        }),

    close: () => transport.close(),
  };
}
