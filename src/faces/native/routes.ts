/** The native REST API (/v1): validate, call the domain, map. Nothing else lives here. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { callerOf, requireClient } from '../../http/auth.js';
import { replayRepeatedRequests } from '../../http/request-replays.js';
import type { FaceContext } from '../context.js';
import { accountSidOf } from '../../domain/clients.js';
import { DomainError } from '../../domain/errors.js';
import {
  customerToWire,
  eventToWire,
  IDEMPOTENCY_KEY,
  idempotencyKeyOf,
  messageToWire,
  verificationToWire,
  webhookToWire,
} from './map.js';
import {
  CheckReply,
  ClientMe,
  CodeBody,
  Customer,
  CustomerPage,
  ErrorReply,
  EventPage,
  ListEventsQuery,
  IdParams,
  ListCustomersQuery,
  Message,
  PhoneChangeBody,
  PhoneChangeReply,
  RegisterCustomerBody,
  RegisterReply,
  replyOf,
  StartVerificationBody,
  UpdateCustomerBody,
  Verification,
  RegisteredWebhook,
  Webhook,
  WebhookBody,
} from './schemas.js';

/** What each refusal means, on every operation (the client key is asked for by the document's global security). */
const errors = {
  400: replyOf(ErrorReply, 'Malformed JSON or an invalid field: `details` names each'),
  401: replyOf(ErrorReply, 'No client key, or one this service does not know'),
  403: replyOf(
    ErrorReply,
    'Refused for this number: its country is not permitted, its range is blocked (SMS pumping), or a send budget is spent',
  ),
  404: replyOf(ErrorReply, 'No such customer, verification or message in the caller’s tenant'),
  409: replyOf(ErrorReply, 'The request conflicts with the current state, e.g. an email already registered'),
  429: replyOf(
    ErrorReply,
    'A rate limit or the send window refused it: `Retry-After` says when to try again',
  ),
  503: replyOf(ErrorReply, 'The database or Redis cannot be reached: `Retry-After` says when to try again'),
};

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
        operationId: 'registerCustomer',
        summary: 'Register a customer; texts a signup code to the phone',
        description:
          'Creates the customer in the caller’s tenant (the password hashed with Argon2id) and texts a signup code to the phone; check it with `POST /v1/verifications/{id}/check`.',
        body: RegisterCustomerBody,
        response: { 201: replyOf(RegisterReply, 'Registered; the signup code is on its way'), ...errors },
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
        operationId: 'listCustomers',
        summary: 'List customers in registration order',
        description:
          'One page of the caller’s tenant’s customers, oldest first; pass `nextCursor` back as `cursor` for the next page.',
        querystring: ListCustomersQuery,
        response: { 200: replyOf(CustomerPage, 'A page of customers'), ...errors },
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
        operationId: 'getCustomer',
        summary: 'Look up a customer',
        description:
          'The customer with this id in the caller’s tenant, with its phone-verified flag and any pending phone change.',
        params: IdParams,
        response: { 200: replyOf(Customer, 'The customer'), ...errors },
      },
    },
    async (request) => customerToWire(await domain.customers.get(request.params.id, tenantOf(request))),
  );

  app.patch(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        operationId: 'updateCustomer',
        summary: 'Update a customer (the phone changes only through phone-change)',
        description:
          'Changes the fields given (at least one); the phone number changes only through a confirmed phone change.',
        params: IdParams,
        body: UpdateCustomerBody,
        response: { 200: replyOf(Customer, 'The customer, updated'), ...errors },
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
        operationId: 'requestPhoneChange',
        summary: 'Start a phone-number change: current password + new number; texts a code to the new number',
        description:
          'Checks the current password (failures count towards the customer’s password budget), then texts a code to the new number; the customer shows it as `pendingPhoneChange` until confirmed.',
        params: IdParams,
        body: PhoneChangeBody,
        response: {
          202: replyOf(PhoneChangeReply, 'The change waits for the code texted to the new number'),
          ...errors,
          403: replyOf(
            ErrorReply,
            'The password is wrong or locked after too many failures, or the new number may not be texted',
          ),
        },
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
        operationId: 'confirmPhoneChange',
        summary: 'Confirm a phone-number change with the code; switches the number',
        description:
          'With the code texted to the new number, switches the customer to it (verified) and tells the old number by SMS.',
        params: IdParams,
        body: CodeBody,
        response: {
          200: replyOf(Customer, 'The customer, now on the new number'),
          422: replyOf(ErrorReply, 'The code is wrong, expired or used up'),
          ...errors,
        },
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
        operationId: 'startVerification',
        summary: 'Send a code by SMS, WhatsApp or email',
        description:
          'Sends a one-time code to the number (in the locale’s language, with the purpose’s text) by SMS, or by `channel` WhatsApp (an authentication template) or email (`to` an address); a `workflow` falls back from one channel to the next when a step is not delivered or not approved within its timeout, each step with a new code. A test number answers without a message. Limited per destination (per channel and in total), per client and per IP.',
        body: StartVerificationBody,
        response: { 201: replyOf(Verification, 'Started; the code is on its way'), ...errors },
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
        operationId: 'getVerification',
        summary: 'Look up a verification',
        description:
          'The verification with this id in the caller’s tenant: its status, the checks made and the texts sent.',
        params: IdParams,
        response: { 200: replyOf(Verification, 'The verification'), ...errors },
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
        operationId: 'checkVerification',
        summary: 'Check a code: status becomes approved on the right code',
        description:
          'Compares the code in constant time; the right one approves the verification, a wrong one counts towards `maxChecks` and the phone’s lock-out.',
        params: IdParams,
        body: CodeBody,
        response: {
          200: replyOf(CheckReply, 'Whether the code was right, and the verification after the check'),
          ...errors,
        },
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
        operationId: 'resendVerification',
        summary: 'Send a new code; checks already made still count',
        description:
          'Texts a new code for a pending verification; the checks already made still count, and the send window applies.',
        params: IdParams,
        response: { 200: replyOf(Verification, 'The verification, with the new send'), ...errors },
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
        operationId: 'cancelVerification',
        summary: 'Cancel a pending verification',
        description: 'Ends a pending verification: no code approves it any more.',
        params: IdParams,
        response: { 200: replyOf(Verification, 'The canceled verification'), ...errors },
      },
    },
    async (request) =>
      verificationToWire(await domain.verifications.cancel(request.params.id, tenantOf(request))),
  );

  app.get(
    '/clients/me',
    {
      schema: {
        tags: ['clients'],
        operationId: 'getCallingClient',
        summary: 'The calling client: its code, id, tenant, and the Account SID the Twilio Verify face takes',
        description:
          'Which client the key belongs to: its code and id, its tenant, and the Account SID to give the Twilio SDK (AC and the id’s hex digits).',
        response: { 200: replyOf(ClientMe, 'The calling client'), ...errors },
      },
    },
    async (request) => {
      const { client } = request;
      if (client === null) throw new DomainError('unauthorized');
      return { code: client.code, id: client.id, tenant: client.tenant, accountSid: accountSidOf(client.id) };
    },
  );

  app.get(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        operationId: 'getMessage',
        summary: 'An SMS: status, parts, price (never the code)',
        description:
          'One SMS in the outbox: its delivery status, encoding, parts and price, and a preview of its text with any code masked.',
        params: IdParams,
        response: { 200: replyOf(Message, 'The message'), ...errors },
      },
    },
    async (request) => messageToWire(await domain.message(request.params.id, tenantOf(request))),
  );

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        operationId: 'listSecurityEvents',
        summary: "The tenant's security events, oldest first: limit hits, guard decisions, failed checks...",
        description:
          'Events of the caller’s tenant only, with who (client, IP), what and the figures that made each decision; `nextCursor` pages on.',
        querystring: ListEventsQuery,
        response: { 200: replyOf(EventPage, 'A page of events'), ...errors },
      },
    },
    async (request) => {
      const { type, since, cursor, limit } = request.query;
      const page = await domain.securityEvents.list(tenantOf(request), {
        type,
        since: since === undefined ? undefined : new Date(since),
        cursor,
        limit: Number(limit ?? 50),
      });
      return { data: page.events.map(eventToWire), nextCursor: page.next };
    },
  );

  app.put(
    '/clients/me/webhook',
    {
      schema: {
        tags: ['webhooks'],
        operationId: 'putWebhook',
        summary: "Register (or replace) the calling client's webhook; returns its signing secret, once",
        description:
          'Status changes of the tenant’s verifications and messages are posted to `url`, signed with the secret answered here (shown this once; each PUT makes a new one). See docs/webhooks.md.',
        body: WebhookBody,
        response: { 200: replyOf(RegisteredWebhook, 'The webhook and its signing secret'), ...errors },
      },
    },
    async (request) => webhookToWire(await domain.webhooks.register(clientIdOf(request), request.body.url)),
  );

  app.get(
    '/clients/me/webhook',
    {
      schema: {
        tags: ['webhooks'],
        operationId: 'getWebhook',
        summary: "The calling client's webhook (never its secret)",
        description: 'Where status changes are posted; 404 `webhook_not_found` when none is registered.',
        response: { 200: replyOf(Webhook, 'The webhook'), ...errors },
      },
    },
    async (request) => webhookToWire(await domain.webhooks.get(clientIdOf(request))),
  );

  app.delete(
    '/clients/me/webhook',
    {
      schema: {
        tags: ['webhooks'],
        operationId: 'deleteWebhook',
        summary: "Remove the calling client's webhook; posts still queued are dropped",
        description: 'Nothing more is posted to it; 404 `webhook_not_found` when none is registered.',
        response: { 204: Type.Null({ description: 'Removed' }), ...errors },
      },
    },
    async (request, reply) => {
      await domain.webhooks.remove(clientIdOf(request));
      return reply.status(204).send(null);
    },
  );
};
