/**
 * menu.app public API v5 (/api): a phone-number update, started and verified. Every call carries
 * X-Request-ID, Application and API-version; a repeated X-Request-ID gets the first reply again.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import { callerOf, requireClient } from '../../http/auth.js';
import { languageOf } from '../../http/errors.js';
import type { FaceContext } from '../context.js';
import { legacyErrorHandler } from '../legacy-errors.js';
import { accountReply, refusalBody, refusalStatus } from './map.js';
import { fingerprintOf, type ReplayStart } from '../../domain/idempotency.js';
import {
  AccountReply,
  ConfirmationCodeBody,
  CustomerParams,
  ErrorReply,
  Headers,
  PhoneNumberUpdateBody,
} from './schemas.js';

const tags = ['menu.app v5 (legacy)'];
const refusals = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  409: ErrorReply,
  422: ErrorReply,
  429: ErrorReply,
  503: ErrorReply,
};

type Run = Extract<ReplayStart, { run: true }>;

export const menuappFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const { domain } = ctx;
  const security = ctx.authRequired ? [{ bearer: [] }] : [];
  const replay = domain.idempotency;
  const runs = new WeakMap<FastifyRequest, Run>();

  app.setErrorHandler(
    legacyErrorHandler(refusalStatus, (refusal, request) => refusalBody(refusal, languageOf(request))),
  );

  if (ctx.authRequired) app.addHook('onRequest', requireClient(ctx.clients, ctx.limits.client));

  // After validation: the request is well formed, so it is this id's request to run, or a repeat.
  app.addHook('preHandler', async (request, reply) => {
    const headers = request.headers as Static<typeof Headers>;
    if (request.client !== null && headers.application !== request.client.code) {
      throw new DomainError('forbidden', {
        details: [
          { field: 'headers:/application', problem: "is not the code of the client key's application" },
        ],
      });
    }
    // Without client keys (FACES_WITHOUT_AUTH) the Application header is all that tells clients apart.
    const scope = request.client?.id ?? `application:${headers.application}`;
    const started = await replay.start(
      { scope, requestId: headers['x-request-id'] },
      fingerprintOf(request.method, request.url, request.body),
    );
    if (started.run) {
      runs.set(request, started);
      return;
    }
    return reply
      .status(started.reply.statusCode)
      .header('content-type', started.reply.contentType)
      .send(started.reply.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const run = runs.get(request);
    if (run === undefined) return payload;
    // Throttling and server failures are not the request's answer: a retry with the same id runs.
    const retryable = reply.statusCode === 429 || reply.statusCode >= 500;
    const contentType = reply.getHeader('content-type');
    await run.finish(
      retryable || typeof payload !== 'string' || typeof contentType !== 'string'
        ? null
        : { statusCode: reply.statusCode, contentType, body: payload },
    );
    return payload;
  });
  // Should a reply go out without onSend, the claim is let go rather than left to block its repeats.
  app.addHook('onResponse', async (request) => runs.get(request)?.finish(null));

  app.post(
    '/customers/:customer_id/request-phone-number-update',
    {
      schema: {
        tags,
        summary: "Text a confirmation code to the customer's new phone number",
        security,
        headers: Headers,
        params: CustomerParams,
        body: PhoneNumberUpdateBody,
        response: { 200: AccountReply, ...refusals },
      },
    },
    async (request) => {
      // The application signed its customer in itself: it vouches for them, the code proves the number.
      const { customer } = await domain.phoneChange.requestVouched(request.params.customer_id, {
        newPhone: request.body.phone_number,
        locale: languageOf(request),
        caller: callerOf(request),
      });
      return accountReply(customer);
    },
  );

  app.post(
    '/customers/:customer_id/verify-phone-number-update',
    {
      schema: {
        tags,
        summary: 'Verify the phone number update with the confirmation code: the number switches',
        security,
        headers: Headers,
        params: CustomerParams,
        body: ConfirmationCodeBody,
        response: { 200: AccountReply, ...refusals },
      },
    },
    async (request) =>
      accountReply(
        await domain.phoneChange.confirm(
          request.params.customer_id,
          request.body.confirmation_code,
          callerOf(request).tenant,
        ),
      ),
  );
};
