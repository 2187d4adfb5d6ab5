/**
 * The Vonage Verify v2 face (mounted at /v2/verify): start, check, cancel and next workflow as
 * `@vonage/verify2` calls them, onto the one domain. Basic auth: api_key = the client code, api_secret = its
 * key (Vonage's JWT application auth is not offered yet). Refusals are Vonage's problem details.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { localeOfTag } from '../../domain/locales.js';
import { CHANNELS, type Channel } from '../../domain/types.js';
import { callerOf, requireBasicClient } from '../../http/auth.js';
import { logAndTranslate } from '../../http/errors.js';
import type { FaceContext } from '../context.js';
import { sendRefusal } from '../legacy-errors.js';
import { e164Of, problemBody, problemOf, UUID } from './map.js';
import { CheckBody, Completed, Problem, RequestParams, StartBody, Started } from './schemas.js';

const errors = {
  400: Problem,
  401: Problem,
  404: Problem,
  409: Problem,
  410: Problem,
  422: Problem,
  429: Problem,
  503: Problem,
};
const security = [{ basic: [] }];
const tags = ['vonage-verify'];
const JWT_NOT_OFFERED =
  'JWT application authentication is not offered yet: use Basic authentication (api_key = client code, api_secret = client key).';

function sendProblem(error: DomainError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.type('application/problem+json');
  return sendRefusal(error, request, reply, (refusal) => problemOf(refusal).status, problemBody);
}

/** A request id that is not one names nothing (404, as Vonage answers an unknown id). */
function requestIdOf(id: string): string {
  if (!UUID.test(id)) throw new DomainError('verification_not_found');
  return id.toLowerCase();
}

const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value);

export const vonageVerifyFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const { domain } = ctx;
  // Verify2 signs with an application JWT unless told otherwise: say what to use instead.
  app.addHook('onRequest', async (request) => {
    if (/^Bearer\s/i.test(request.headers.authorization ?? '')) {
      throw new DomainError('unauthorized', { details: [{ problem: JWT_NOT_OFFERED }] });
    }
  });
  // Before the body is read: an unauthenticated caller learns nothing about its input.
  app.addHook(
    'onRequest',
    requireBasicClient(ctx.clients, ctx.limits.client, (client, username) => client.code === username),
  );
  // The SDK posts next_workflow with a JSON content type and no body: that is no body, not bad JSON.
  app.addHook('onRequest', async (request) => {
    if (request.headers['content-length'] === '0') delete request.headers['content-type'];
  });
  app.setErrorHandler((error, request, reply) =>
    sendProblem(logAndTranslate(error, request), request, reply),
  );
  app.setNotFoundHandler((request, reply) => sendProblem(new DomainError('not_found'), request, reply));

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Start a verification: an SMS workflow of 1 to 3 steps to one number',
        security,
        body: StartBody,
        response: { 202: Started, ...errors },
      },
    },
    async (request, reply) => {
      const { brand, workflow, locale, code_length: codeLength, code } = request.body;
      const problems = workflow.flatMap((step, index) =>
        isChannel(step.channel)
          ? []
          : [{ field: `/workflow/${index}/channel`, problem: 'sms, whatsapp or email are offered here' }],
      );
      if (problems.length > 0) throw new DomainError('invalid_request', { details: problems });
      const first = workflow[0];
      if (first === undefined) throw new DomainError('invalid_request');
      // SMS steps to one number are resends (next_workflow); other channels make a domain workflow, which
      // moves on by itself after channel_timeout as Vonage's does.
      const steps = workflow.map((step) => ({
        channel: step.channel as Channel,
        to: step.channel === 'email' ? step.to : e164Of(step.to),
        timeoutSeconds: request.body.channel_timeout,
      }));
      const onlyTexts = steps.every((step) => step.channel === 'sms' && step.to === steps[0]?.to);
      const verification = await domain.verifications.start({
        to: steps[0]?.to ?? first.to,
        ...(onlyTexts ? {} : { workflow: steps }),
        locale: locale === undefined ? undefined : (localeOfTag(locale) ?? 'en'),
        caller: callerOf(request),
        brand,
        codeLength,
        code,
        appHash: first.app_hash,
        // A chosen code is kept only as a hash: it cannot be sent again, so its workflow has one step.
        maxSends: !onlyTexts ? undefined : code === undefined ? workflow.length : 1,
        whenPending: 'refuse',
      });
      return reply.status(202).send({
        request_id: verification.id,
        check_url: `${request.protocol}://${request.host}/v2/verify/${verification.id}`,
      });
    },
  );

  app.post(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Check a code: completed, or 400 invalid code, 410 once the attempts are spent',
        security,
        params: RequestParams,
        body: CheckBody,
        response: { 200: Completed, ...errors },
      },
    },
    async (request) => {
      const id = requestIdOf(request.params.id);
      const { valid, verification } = await domain.verifications.check(
        id,
        request.body.code,
        callerOf(request).tenant,
      );
      if (valid) return { request_id: id, status: 'completed' as const };
      throw new DomainError(
        verification.status === 'max_attempts_reached' ? 'max_attempts_reached' : 'invalid_code',
      );
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Cancel a verification',
        security,
        params: RequestParams,
        response: { 204: { type: 'null', description: 'Canceled' }, ...errors },
      },
    },
    async (request, reply) => {
      await domain.verifications.cancel(requestIdOf(request.params.id), callerOf(request).tenant);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:id/next_workflow',
    {
      schema: {
        tags,
        summary: "Send the workflow's next step (a new code); 409 when there is none",
        security,
        params: RequestParams,
        response: { 200: { type: 'object', properties: {} }, ...errors },
      },
    },
    async (request) => {
      await domain.verifications.nextStep(requestIdOf(request.params.id), callerOf(request).tenant);
      return {};
    },
  );
};
