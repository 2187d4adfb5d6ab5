/**
 * menu.app public API v5 (/api): a phone-number update, started and verified. Every call carries
 * X-Request-ID, Application and API-version; a repeated X-Request-ID gets the first reply again.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import { callerOf, requireClient } from '../../http/auth.js';
import { languageOf } from '../../http/errors.js';
import type { FaceContext } from '../context.js';
import { legacyErrorHandler } from '../legacy-errors.js';
import { accountReply, refusalBody, refusalStatus } from './map.js';
import { replayRepeatedRequests } from '../../http/request-replays.js';
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

export const menuappFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const { domain } = ctx;
  const security = ctx.authRequired ? [{ bearer: [] }] : [];

  app.setErrorHandler(
    legacyErrorHandler(refusalStatus, (refusal, request) => refusalBody(refusal, languageOf(request))),
  );

  if (ctx.authRequired) app.addHook('onRequest', requireClient(ctx.clients, ctx.limits.client));

  // After validation: the Application header must be the key's client before the request id is looked at.
  app.addHook('preHandler', async (request) => {
    const headers = request.headers as Static<typeof Headers>;
    if (request.client !== null && headers.application !== request.client.code) {
      throw new DomainError('forbidden', {
        details: [
          { field: 'headers:/application', problem: "is not the code of the client key's application" },
        ],
      });
    }
  });
  replayRepeatedRequests(app, {
    idempotency: domain.idempotency,
    header: 'x-request-id',
    keyOf(request) {
      const headers = request.headers as Static<typeof Headers>;
      // Without client keys (FACES_WITHOUT_AUTH) the Application header is all that tells clients apart.
      const scope = request.client?.id ?? `application:${headers.application}`;
      return { scope, requestId: headers['x-request-id'] };
    },
  });

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
