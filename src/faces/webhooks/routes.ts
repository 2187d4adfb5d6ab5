/**
 * Provider webhooks: `POST|GET /webhooks/sms/{provider}`. The provider module verifies the signature and reads
 * the receipts; this face only builds the request it signed (the public URL, as the provider called it), answers
 * 403 when the signature does not verify, 400 for an id the store cannot hold, and records the receipts
 * before it answers 204.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import { firstControlCharacter } from '../../http/control-characters.js';
import { SmsError, type DeliveryReceipt, type WebhookRequest } from '../../sms/provider.js';
import type { FaceContext } from '../context.js';
import { ErrorReply } from '../native/schemas.js';
import { acceptFormBodies, keepRawJsonBodies, rawBodyOf } from './form-body.js';

const ProviderParams = Type.Object({
  provider: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$',
    description: 'The provider instance name',
  }),
});

const schema = {
  tags: ['webhooks'],
  summary: "A provider's delivery receipt (signed by the provider; no API key)",
  params: ProviderParams,
  response: {
    200: Type.String({ description: "A subscription handshake's hub.challenge, echoed (WhatsApp)" }),
    204: Type.Null(),
    400: ErrorReply,
    403: ErrorReply,
    404: ErrorReply,
    413: ErrorReply,
    429: ErrorReply,
  },
};

function queryFields(query: unknown): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {};
  if (typeof query !== 'object' || query === null) return fields;
  for (const [name, value] of Object.entries(query)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[name] = first;
  }
  return fields;
}

/** A provider's id goes into an indexed column: an overlong one or one with control characters is refused. */
function checkedReceipt(receipt: DeliveryReceipt, maxLength: number): DeliveryReceipt {
  const fields = [
    { field: 'providerRef', value: receipt.providerRef },
    { field: 'errorCode', value: receipt.errorCode ?? '' },
  ];
  for (const { field, value } of fields) {
    const problem =
      value.length > maxLength
        ? `is longer than ${maxLength} characters`
        : firstControlCharacter(value, false) === undefined
          ? undefined
          : 'holds a control character';
    if (problem !== undefined) {
      throw new DomainError('invalid_request', { details: [{ field, problem }] });
    }
  }
  return receipt;
}

export const webhooksFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, { config, smsWebhooks }) => {
  acceptFormBodies(app);
  keepRawJsonBodies(app);
  const byName = new Map(
    smsWebhooks.providers
      .filter((provider) => provider.parseWebhook !== undefined)
      .map((provider) => [provider.name, provider]),
  );

  /** What the provider signed: the address it was given (PUBLIC_URL + path), not the one we listen on. */
  function webhookOf(request: FastifyRequest): WebhookRequest {
    const rawBody = rawBodyOf(request);
    return {
      url: `${config.publicUrl}${request.url}`,
      method: request.method,
      headers: request.headers,
      body: request.body,
      query: queryFields(request.query),
      ...(rawBody === undefined ? {} : { rawBody }),
    };
  }

  /** A subscription handshake's answer (WhatsApp), or undefined when the request is none. */
  function handshake(request: FastifyRequest, name: string): string | undefined {
    const provider = byName.get(name);
    if (provider?.answerHandshake === undefined) return undefined;
    try {
      return provider.answerHandshake(webhookOf(request));
    } catch (error) {
      if (!(error instanceof SmsError)) throw error;
      request.log.warn({ provider: provider.name, code: error.code }, 'sms webhook handshake refused');
      throw new DomainError(error.code === 'unauthorized' ? 'forbidden' : 'invalid_request');
    }
  }

  async function receive(request: FastifyRequest, name: string): Promise<void> {
    const provider = byName.get(name);
    if (provider?.parseWebhook === undefined) throw new DomainError('not_found');
    const webhook = webhookOf(request);
    let receipts;
    try {
      receipts = provider.parseWebhook(webhook);
    } catch (error) {
      if (!(error instanceof SmsError)) throw error;
      request.log.warn({ provider: provider.name, code: error.code }, 'sms webhook refused');
      throw new DomainError(error.code === 'unauthorized' ? 'forbidden' : 'invalid_request');
    }
    const checked = receipts.map((receipt) => checkedReceipt(receipt, config.webhooks.receiptIdMaxLength));
    for (const receipt of checked) await smsWebhooks.recorder.record(receipt);
  }

  const options = { schema, bodyLimit: config.webhooks.bodyLimitBytes };
  app.post('/:provider', options, async (request, reply) => {
    await receive(request, request.params.provider);
    return reply.status(204).send(null);
  });
  // Vonage sends receipts as GET with the fields in the query when the dashboard says so; WhatsApp's
  // subscription handshake is a GET too, answered with its challenge as plain text.
  app.get('/:provider', options, async (request, reply) => {
    const challenge = handshake(request, request.params.provider);
    if (challenge !== undefined) return reply.status(200).type('text/plain').send(challenge);
    await receive(request, request.params.provider);
    return reply.status(204).send(null);
  });
};
