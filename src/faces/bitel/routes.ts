/**
 * The Bitel SMS gateway v2 (mounted at /api/v2/sms): an OTP text in Bitel's fixed template, and its
 * status by id. Validate, call the domain, map; refusals in Bitel's `{result: null, error}` shape.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { languageOf } from '../../http/errors.js';
import { callerOf, requireClient } from '../../http/auth.js';
import type { FaceContext } from '../context.js';
import { domainStatus, legacyErrorHandler, sendRefusal } from '../legacy-errors.js';
import { refusalBody as bitelRefusal, messageIdOf, otpRequestOf, renderOtpText, smsResult } from './map.js';
import { ErrorReply, OtpBody, SmsIdParams, SmsReply } from './schemas.js';

const errors = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  429: ErrorReply,
  503: ErrorReply,
};
const security = [{ bearer: [] }];
const tags = ['bitel'];
/** Bitel serves Iran: a number in national form (0912...) is Iranian. */
const NATIONAL_COUNTRY = 'IR';

export const bitelFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const { domain, config } = ctx;
  // Before the body is read: an unauthenticated caller learns nothing about its input.
  if (ctx.authRequired) app.addHook('onRequest', requireClient(ctx.clients, ctx.limits.client));

  const refusalBody = (refusal: DomainError, request: FastifyRequest) =>
    bitelRefusal(refusal, languageOf(request));
  app.setErrorHandler(legacyErrorHandler(domainStatus, refusalBody));
  app.setNotFoundHandler((request, reply) =>
    sendRefusal(new DomainError('not_found'), request, reply, domainStatus, refusalBody),
  );

  app.post(
    '/otp',
    {
      schema: {
        tags,
        summary: 'Text an OTP in the fixed template, on the high-priority lane',
        security,
        body: OtpBody,
        response: { 200: SmsReply, ...errors },
      },
    },
    async (request) => {
      const otp = otpRequestOf(request.body);
      const message = await domain.verifications.sendClientOtp({
        to: otp.phoneNumber,
        country: NATIONAL_COUNTRY,
        text: renderOtpText(otp.appName, otp.code),
        code: otp.code,
        caller: callerOf(request),
      });
      return { result: smsResult(message, config.bitelGatewayNumber), error: null };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'An SMS by id: delivery status, parts and price',
        security,
        params: SmsIdParams,
        response: { 200: SmsReply, ...errors },
      },
    },
    async (request) => {
      const message = await domain.message(messageIdOf(request.params.id), callerOf(request).tenant);
      return { result: smsResult(message, config.bitelGatewayNumber), error: null };
    },
  );
};
