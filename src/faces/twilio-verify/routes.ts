/**
 * The Twilio Verify v2 face (mounted at /v2/Services): services, verifications and checks as Twilio's SDKs
 * call them, onto the one domain. Basic auth: the client's Account SID (AC + its id's hex) and its key.
 * Validate, call the domain, map; refusals in Twilio's `{code, message, more_info, status}`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { accountSidOf, clientIdOfAccountSid } from '../../domain/clients.js';
import { DomainError } from '../../domain/errors.js';
import { CHANNELS } from '../../domain/types.js';
import { localeOfTag } from '../../domain/locales.js';
import type { Verification, VerifyService } from '../../domain/types.js';
import { callerOf, requireBasicClient } from '../../http/auth.js';
import type { FaceContext } from '../context.js';
import { legacyErrorHandler, sendRefusal } from '../legacy-errors.js';
import { acceptFormBodies } from '../webhooks/form-body.js';
import {
  checkToWire,
  idOfSid,
  MISSING_TO_OR_SID,
  refusalBody,
  refusalOf,
  servicePage,
  serviceToWire,
  verificationToWire,
} from './map.js';
import {
  CheckBody,
  CheckResource,
  CreateServiceBody,
  ListServicesQuery,
  Service,
  ServicePage,
  ServiceParams,
  StartVerificationBody,
  TwilioError,
  UpdateServiceBody,
  UpdateVerificationBody,
  VerificationParams,
  VerificationResource,
} from './schemas.js';

const errors = { 400: TwilioError, 401: TwilioError, 404: TwilioError, 429: TwilioError, 503: TwilioError };
const security = [{ basic: [] }];
const tags = ['twilio-verify'];
const DEFAULT_PAGE_SIZE = 50;

const notFound = () => new DomainError('not_found');
const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
/** The caller's Account SID: every route here has an authenticated client. */
const accountSid = (request: FastifyRequest) => accountSidOf(request.client?.id ?? '');
const flag = (value: 'true' | 'false' | undefined) => (value === undefined ? undefined : value === 'true');
const digits = (value: string | undefined) => (value === undefined ? undefined : Number(value));

export const twilioVerifyFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const { domain } = ctx;
  // Before the body is read: an unauthenticated caller learns nothing about its input.
  app.addHook(
    'onRequest',
    requireBasicClient(
      ctx.clients,
      ctx.limits.client,
      (client, username) => clientIdOfAccountSid(username) === client.id,
    ),
  );
  acceptFormBodies(app);
  app.setErrorHandler(legacyErrorHandler((error) => refusalOf(error).status, refusalBody));
  app.setNotFoundHandler((request, reply) =>
    sendRefusal(notFound(), request, reply, (error) => refusalOf(error).status, refusalBody),
  );

  /** The service a path names, of the caller's tenant. */
  async function serviceOf(request: FastifyRequest, sid: string) {
    const id = idOfSid('VA', sid);
    if (id === undefined) throw new DomainError('service_not_found');
    return domain.services.get(id, callerOf(request).tenant);
  }

  /** A verification of the service, named by its sid or (as Twilio allows) by the To of its pending one. */
  async function verificationOf(request: FastifyRequest, service: VerifyService, named: string) {
    const caller = callerOf(request);
    const id = idOfSid('VE', named);
    if (id === undefined) {
      try {
        return await domain.verifications.pendingFor({ to: named, serviceId: service.id, caller });
      } catch (error) {
        // Neither a sid nor a number: it names nothing.
        if (error instanceof DomainError && error.code === 'invalid_phone') throw notFound();
        throw error;
      }
    }
    const verification = await domain.verifications.get(id, caller.tenant);
    if (verification.serviceId !== service.id) throw new DomainError('verification_not_found');
    return verification;
  }

  const wire = (request: FastifyRequest, verification: Verification, service: VerifyService) =>
    verificationToWire(verification, service, accountSid(request), origin(request));

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a verification service: its friendly name goes into its texts',
        security,
        body: CreateServiceBody,
        response: { 201: Service, ...errors },
      },
    },
    async (request, reply) => {
      const { FriendlyName, CodeLength, CustomCodeEnabled } = request.body;
      const service = await domain.services.create(
        {
          friendlyName: FriendlyName,
          codeLength: digits(CodeLength),
          customCodeEnabled: flag(CustomCodeEnabled),
        },
        callerOf(request).tenant,
      );
      return reply.status(201).send(serviceToWire(service, accountSid(request), origin(request)));
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "The tenant's services, in Twilio's paging shape",
        security,
        querystring: ListServicesQuery,
        response: { 200: ServicePage, ...errors },
      },
    },
    async (request) => {
      const pageSize = Math.min(Math.max(Number(request.query.PageSize ?? DEFAULT_PAGE_SIZE), 1), 1000);
      const token = request.query.PageToken;
      const afterId = token === undefined ? null : idOfSid('PA', token);
      if (afterId === undefined) {
        throw new DomainError('invalid_request', {
          details: [{ field: '/PageToken', problem: 'is not valid' }],
        });
      }
      const page = await domain.services.list(callerOf(request).tenant, afterId, pageSize);
      return servicePage(
        page,
        { pageSize, page: Number(request.query.Page ?? 0) },
        accountSid(request),
        origin(request),
      );
    },
  );

  app.get(
    '/:serviceSid',
    {
      schema: {
        tags,
        summary: 'A service',
        security,
        params: ServiceParams,
        response: { 200: Service, ...errors },
      },
    },
    async (request) =>
      serviceToWire(
        await serviceOf(request, request.params.serviceSid),
        accountSid(request),
        origin(request),
      ),
  );

  app.post(
    '/:serviceSid',
    {
      schema: {
        tags,
        summary: 'Update a service (pending verifications keep their name and code length)',
        security,
        params: ServiceParams,
        body: UpdateServiceBody,
        response: { 200: Service, ...errors },
      },
    },
    async (request) => {
      const { FriendlyName, CodeLength, CustomCodeEnabled } = request.body;
      const service = await serviceOf(request, request.params.serviceSid);
      const updated = await domain.services.update(service.id, callerOf(request).tenant, {
        friendlyName: FriendlyName,
        codeLength: digits(CodeLength),
        customCodeEnabled: flag(CustomCodeEnabled),
      });
      return serviceToWire(updated, accountSid(request), origin(request));
    },
  );

  app.delete(
    '/:serviceSid',
    {
      schema: {
        tags,
        summary: 'Delete a service; its pending verifications are canceled',
        security,
        params: ServiceParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors },
      },
    },
    async (request, reply) => {
      const service = await serviceOf(request, request.params.serviceSid);
      await domain.services.remove(service.id, callerOf(request).tenant);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:serviceSid/Verifications',
    {
      schema: {
        tags,
        summary:
          'Send a code by SMS, WhatsApp or email; a pending verification to the same To is resent on, same sid',
        security,
        params: ServiceParams,
        body: StartVerificationBody,
        response: { 201: VerificationResource, 403: TwilioError, ...errors },
      },
    },
    async (request, reply) => {
      const service = await serviceOf(request, request.params.serviceSid);
      const body = request.body;
      const channel = CHANNELS.find((known) => known === body.Channel);
      if (channel === undefined) {
        throw new DomainError('invalid_request', {
          details: [
            { field: '/Channel', problem: 'must be sms, whatsapp or email: no other channel is offered' },
          ],
        });
      }
      const verification = await domain.verifications.start({
        to: body.To,
        channel,
        // A language we have no text in reads in English; none at all, in the number's country's.
        locale: body.Locale === undefined ? undefined : (localeOfTag(body.Locale) ?? 'en'),
        caller: callerOf(request),
        serviceId: service.id,
        brand: body.CustomFriendlyName,
        code: body.CustomCode,
        appHash: body.AppHash,
        whenPending: 'resend',
      });
      return reply.status(201).send(wire(request, verification, service));
    },
  );

  app.get(
    '/:serviceSid/Verifications/:verification',
    {
      schema: {
        tags,
        summary: 'A pending verification (20404 once approved, canceled or expired, as Twilio answers)',
        security,
        params: VerificationParams,
        response: { 200: VerificationResource, ...errors },
      },
    },
    async (request) => {
      const service = await serviceOf(request, request.params.serviceSid);
      const verification = await verificationOf(request, service, request.params.verification);
      if (verification.status !== 'pending') throw new DomainError('verification_not_found');
      return wire(request, verification, service);
    },
  );

  app.post(
    '/:serviceSid/Verifications/:verification',
    {
      schema: {
        tags,
        summary: 'Cancel a verification, or approve it without a code (Status=canceled|approved)',
        security,
        params: VerificationParams,
        body: UpdateVerificationBody,
        response: { 200: VerificationResource, ...errors },
      },
    },
    async (request) => {
      const service = await serviceOf(request, request.params.serviceSid);
      const { id } = await verificationOf(request, service, request.params.verification);
      const { tenant } = callerOf(request);
      const updated =
        request.body.Status === 'approved'
          ? await domain.verifications.approve(id, tenant)
          : await domain.verifications.cancel(id, tenant);
      return wire(request, updated, service);
    },
  );

  app.post(
    '/:serviceSid/VerificationCheck',
    {
      schema: {
        tags,
        summary: 'Check a code, by To or VerificationSid: approved and valid on the right code',
        security,
        params: ServiceParams,
        body: CheckBody,
        response: { 200: CheckResource, ...errors },
      },
    },
    async (request) => {
      const service = await serviceOf(request, request.params.serviceSid);
      const { Code, To, VerificationSid } = request.body;
      const named = VerificationSid ?? To;
      if (named === undefined) {
        throw new DomainError('invalid_request', { details: [{ problem: MISSING_TO_OR_SID }] });
      }
      // A sid that is not one names nothing; a To with nothing pending neither.
      if (VerificationSid !== undefined && idOfSid('VE', VerificationSid) === undefined) {
        throw new DomainError('verification_not_found');
      }
      const { id } = await verificationOf(request, service, named);
      const { verification } = await domain.verifications.check(id, Code, callerOf(request).tenant);
      return checkToWire(verification, service, accountSid(request));
    },
  );
};
