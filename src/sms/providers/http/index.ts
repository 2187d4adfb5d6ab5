/** A generic HTTP gateway (Kannel, PlaySMS, Jasmin, a carrier's own API): one templated request per message. */
import { countParts } from '../../encoding.js';
import type { OutgoingSms, SmsProvider } from '../../provider.js';
import { createProviderHttpTransport } from '../http-transport.js';
import type { HttpGatewayConfig } from './config.js';
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
}

function placeholderValues(
  config: HttpGatewayConfig,
  message: OutgoingSms,
): Record<TemplatePlaceholder, string> {
  return {
    to: message.to,
    toDigits: message.to.replace(/^\+/, ''),
    text: message.text,
    id: message.id,
    from: message.from ?? config.from ?? '',
  };
}

export function createHttpGatewayProvider(
  config: HttpGatewayConfig,
  deps: HttpGatewayDeps = {},
): SmsProvider {
  const name = deps.name ?? 'http';
  const now = deps.now ?? (() => new Date());
  const transport = createProviderHttpTransport(name, config.timeoutMs);

  return {
    name,
    kind: 'http',

    async send(message, options) {
      const values = placeholderValues(config, message);
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
        parts: countParts(message.text).parts,
      };
    },

    close: () => transport.close(),
  };
}
