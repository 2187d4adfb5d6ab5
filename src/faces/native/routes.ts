/** The native REST API (/v1): validate, call the domain, map. Nothing else lives here. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { callerOf, requireClient } from '../../http/auth.js';
import { replayRepeatedRequests } from '../../http/request-replays.js';
import type { FaceContext } from '../context.js';
import {
  customerToWire,
  IDEMPOTENCY_KEY,
  idempotencyKeyOf,
  messageToWire,
  verificationToWire,
  webhookToWire,
} from './map.js';
import {
  CheckReply,
  CodeBody,
  Customer,
  CustomerPage,
  ErrorReply,
  IdParams,
  ListCustomersQuery,
  Message,
  PhoneChangeBody,
  PhoneChangeReply,
  RegisterCustomerBody,
  RegisterReply,
  StartVerificationBody,
  UpdateCustomerBody,
  Verification,
  RegisteredWebhook,
  Webhook,
  WebhookBody,
} from './schemas.js';

const errors = {
  400: ErrorReply,
  401: ErrorReply,
  404: ErrorReply,
  409: ErrorReply,
  429: ErrorReply,
  503: ErrorReply,
};
const security = [{ bearer: [] }];

export const nativeFace: FastifyPluginAsyncTypebox<FaceContext> = async (
  app,
  { domain, clients, limits },
) => {
  // The native API always needs a client: FACES_WITHOUT_AUTH is for legacy drop-in migrations.
  app.addHook('preHandler', requireClient(clients, limits.client));
  // A POST repeated with its Idempotency-Key gets the first reply and runs nothing (keys are per client).
  replayRepeatedRequests(app, {
    idempotency: domain.idempotency,
    header: IDEMPOTENCY_KEY,
    keyOf(request) {
      if (request.method !== 'POST' || request.client === null) return undefined;
      const requestId = idempotencyKeyOf(request.headers[IDEMPOTENCY_KEY]);
      return requestId === undefined ? undefined : { scope: `native:${request.client.id}`, requestId };
    },
  });
  const tenantOf = (request: FastifyRequest) => callerOf(request).tenant;
  /** requireClient ran: every native request has its client. */
  const clientIdOf = (request: FastifyRequest) => callerOf(request).clientId ?? '';

  app.post(
    '/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Register a customer; texts a signup code to the phone',
        security,
        body: RegisterCustomerBody,
        response: { 201: RegisterReply, ...errors },
      },
    },
    async (request, reply) => {
      const { locale, ...input } = request.body;
      const { customer, verification } = await domain.customers.register(input, {
        caller: callerOf(request),
        locale,
      });
      return reply
        .status(201)
        .send({ customer: customerToWire(customer), verification: verificationToWire(verification) });
    },
  );

  app.get(
    '/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'List customers in registration order',
        security,
        querystring: ListCustomersQuery,
        response: { 200: CustomerPage, ...errors },
      },
    },
    async (request) => {
      const page = await domain.customers.list(
        tenantOf(request),
        Number(request.query.cursor ?? 0),
        Number(request.query.limit ?? 20),
      );
      return {
        data: page.customers.map(customerToWire),
        nextCursor: page.next === null ? null : String(page.next),
      };
    },
  );

  app.get(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'Look up a customer',
        security,
        params: IdParams,
        response: { 200: Customer, ...errors },
      },
    },
    async (request) => customerToWire(await domain.customers.get(request.params.id, tenantOf(request))),
  );

  app.patch(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'Update a customer (the phone changes only through phone-change)',
        security,
        params: IdParams,
        body: UpdateCustomerBody,
        response: { 200: Customer, ...errors },
      },
    },
    async (request) =>
      customerToWire(await domain.customers.update(request.params.id, tenantOf(request), request.body)),
  );

  app.post(
    '/customers/:id/phone-change',
    {
      schema: {
        tags: ['customers'],
        summary: 'Start a phone-number change: current password + new number; texts a code to the new number',
        security,
        params: IdParams,
        body: PhoneChangeBody,
        response: { 202: PhoneChangeReply, 403: ErrorReply, ...errors },
      },
    },
    async (request, reply) => {
      const { customer, verification } = await domain.phoneChange.request(request.params.id, {
        password: request.body.password,
        newPhone: request.body.newPhone,
        locale: request.body.locale,
        caller: callerOf(request),
      });
      return reply
        .status(202)
        .send({ customer: customerToWire(customer), verification: verificationToWire(verification) });
    },
  );

  app.post(
    '/customers/:id/phone-change/confirm',
    {
      schema: {
        tags: ['customers'],
        summary: 'Confirm a phone-number change with the code; switches the number',
        security,
        params: IdParams,
        body: CodeBody,
        response: { 200: Customer, 422: ErrorReply, ...errors },
      },
    },
    async (request) =>
      customerToWire(
        await domain.phoneChange.confirm(request.params.id, request.body.code, tenantOf(request)),
      ),
  );

  app.post(
    '/verifications',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Send a code by SMS',
        security,
        body: StartVerificationBody,
        response: { 201: Verification, ...errors },
      },
    },
    async (request, reply) => {
      const verification = await domain.verifications.start({ ...request.body, caller: callerOf(request) });
      return reply.status(201).send(verificationToWire(verification));
    },
  );

  app.get(
    '/verifications/:id',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Look up a verification',
        security,
        params: IdParams,
        response: { 200: Verification, ...errors },
      },
    },
    async (request) =>
      verificationToWire(await domain.verifications.get(request.params.id, tenantOf(request))),
  );

  app.post(
    '/verifications/:id/check',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Check a code: status becomes approved on the right code',
        security,
        params: IdParams,
        body: CodeBody,
        response: { 200: CheckReply, ...errors },
      },
    },
    async (request) => {
      const { valid, verification } = await domain.verifications.check(
        request.params.id,
        request.body.code,
        tenantOf(request),
      );
      return { valid, verification: verificationToWire(verification) };
    },
  );

  app.post(
    '/verifications/:id/resend',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Send a new code; checks already made still count',
        security,
        params: IdParams,
        response: { 200: Verification, ...errors },
      },
    },
    async (request) =>
      verificationToWire(await domain.verifications.resend(request.params.id, tenantOf(request))),
  );

  app.post(
    '/verifications/:id/cancel',
    {
      schema: {
        tags: ['verifications'],
        summary: 'Cancel a pending verification',
        security,
        params: IdParams,
        response: { 200: Verification, ...errors },
      },
    },
    async (request) =>
      verificationToWire(await domain.verifications.cancel(request.params.id, tenantOf(request))),
  );

  app.get(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'An SMS: status, parts, price (never the code)',
        security,
        params: IdParams,
        response: { 200: Message, ...errors },
      },
    },
    async (request) => messageToWire(await domain.message(request.params.id, tenantOf(request))),
  );

  app.put(
    '/clients/me/webhook',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Register (or replace) the calling client's webhook; returns its signing secret, once",
        security,
        body: WebhookBody,
        response: { 200: RegisteredWebhook, ...errors },
      },
    },
    async (request) => webhookToWire(await domain.webhooks.register(clientIdOf(request), request.body.url)),
  );

  app.get(
    '/clients/me/webhook',
    {
      schema: {
        tags: ['webhooks'],
        summary: "The calling client's webhook (never its secret)",
        security,
        response: { 200: Webhook, ...errors },
      },
    },
    async (request) => webhookToWire(await domain.webhooks.get(clientIdOf(request))),
  );

  app.delete(
    '/clients/me/webhook',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Remove the calling client's webhook; posts still queued are dropped",
        security,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await domain.webhooks.remove(clientIdOf(request));
      return reply.status(204).send(null);
    },
  );
};
