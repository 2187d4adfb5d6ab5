/** The operator console's API (/admin/api): validate, call the domain's console service, map. */
import cookie from '@fastify/cookie';
import { DomainError } from '../../domain/errors.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Admin, OverviewPeriod } from '../../domain/admin.js';
import type { AdminSessions } from '../../domain/admin-sessions.js';
import type { Limiter } from '../../limits/rate-limits.js';
import {
  clearSessionCookie,
  refuseForeignRequests,
  requireSession,
  sessionToken,
  setSessionCookie,
} from './guard.js';
import { dateOf, limitOf, toWire } from './map.js';
import {
  ActiveBody,
  ClientPatchBody,
  NoContent,
  AdminClient,
  AdminCustomer,
  AdminMessageDetail,
  AdminVerificationDetail,
  BlockBody,
  BlockedPrefix,
  BlockedPrefixPage,
  ClientKeyReply,
  ClientPage,
  CodeParams,
  CustomerPage,
  CustomerQuery,
  ErrorReply,
  EventQuery,
  IdParams,
  MessagePage,
  MessageQuery,
  NewClientBody,
  OverviewQuery,
  OverviewReply,
  PageOnlyQuery,
  PrefixParams,
  SafeBody,
  SafeListEntry,
  SafeListPage,
  SecurityEventPage,
  SessionReply,
  SignInBody,
  VerificationPage,
  VerificationQuery,
} from './schemas.js';

export interface AdminFaceOptions {
  sessions: AdminSessions;
  admin: Admin;
  signInLimiter: Limiter;
}

const errors = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  429: ErrorReply,
  503: ErrorReply,
};
const tags = ['admin'];

/** Sign-in and sign-out: the only routes without a session. */
const sessionRoutes: FastifyPluginAsyncTypebox<AdminFaceOptions> = async (
  app,
  { sessions, signInLimiter },
) => {
  app.post(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in with ADMIN_KEY: sets the session cookie',
        body: SignInBody,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      // Counted before the key is looked at: a wrong key and a right one cost the same attempt.
      await signInLimiter.consume(request.ip);
      const session = await sessions.signIn(request.body.key);
      setSessionCookie(request, reply, session);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/session',
    { schema: { tags, summary: 'Sign out', response: { 204: NoContent, ...errors } } },
    async (request, reply) => {
      await sessions.signOut(sessionToken(request));
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags,
        summary: 'Whether this browser is signed in',
        response: { 200: SessionReply, ...errors },
      },
    },
    async (request) => {
      await sessions.require(sessionToken(request));
      return { signedIn: true };
    },
  );
};

const consoleRoutes: FastifyPluginAsyncTypebox<AdminFaceOptions> = async (app, { sessions, admin }) => {
  app.addHook('preHandler', requireSession(sessions));

  app.get(
    '/overview',
    {
      schema: {
        tags,
        summary: 'Traffic, conversion, delivery and cost over a period',
        querystring: OverviewQuery,
        response: { 200: OverviewReply, ...errors },
      },
    },
    async (request) => toWire(await admin.overview((request.query.period ?? '7d') as OverviewPeriod)),
  );

  app.get(
    '/verifications',
    {
      schema: {
        tags,
        summary: 'Verifications, newest first (numbers masked)',
        querystring: VerificationQuery,
        response: { 200: VerificationPage, ...errors },
      },
    },
    async (request) => {
      const { cursor, limit, from, to, client, ...filter } = request.query;
      return toWire(
        await admin.verifications(
          { ...filter, client, from: dateOf(from), to: dateOf(to) },
          { cursor, limit: limitOf(limit) },
        ),
      );
    },
  );

  app.get(
    '/verifications/:id',
    {
      schema: {
        tags,
        summary: 'A verification with every send and every check (the whole number)',
        params: IdParams,
        response: { 200: AdminVerificationDetail, ...errors },
      },
    },
    async (request) => toWire(await admin.verification(request.params.id)),
  );

  app.get(
    '/messages',
    {
      schema: {
        tags,
        summary: 'Messages, newest first (numbers masked)',
        querystring: MessageQuery,
        response: { 200: MessagePage, ...errors },
      },
    },
    async (request) => {
      const { cursor, limit, from, to, ...filter } = request.query;
      return toWire(
        await admin.messages(
          { ...filter, from: dateOf(from), to: dateOf(to) },
          { cursor, limit: limitOf(limit) },
        ),
      );
    },
  );

  app.get(
    '/messages/:id',
    {
      schema: {
        tags,
        summary: 'A message with its status timeline and parts',
        params: IdParams,
        response: { 200: AdminMessageDetail, ...errors },
      },
    },
    async (request) => toWire(await admin.message(request.params.id)),
  );

  app.get(
    '/customers',
    {
      schema: {
        tags,
        summary: 'Customers, newest first (numbers masked)',
        querystring: CustomerQuery,
        response: { 200: CustomerPage, ...errors },
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      return toWire(await admin.customers(filter, { cursor, limit: limitOf(limit) }));
    },
  );

  app.get(
    '/customers/:id',
    {
      schema: { tags, summary: 'A customer', params: IdParams, response: { 200: AdminCustomer, ...errors } },
    },
    async (request) => toWire(await admin.customer(request.params.id)),
  );

  app.patch(
    '/customers/:id',
    {
      schema: {
        tags,
        summary: 'Disable or enable a customer',
        params: IdParams,
        body: ActiveBody,
        response: { 200: AdminCustomer, ...errors },
      },
    },
    async (request) => toWire(await admin.setCustomerActive(request.params.id, request.body.active)),
  );

  app.get(
    '/clients',
    {
      schema: {
        tags,
        summary: 'API clients, newest first (never their keys)',
        querystring: PageOnlyQuery,
        response: { 200: ClientPage, ...errors },
      },
    },
    async (request) =>
      toWire(await admin.clients({ cursor: request.query.cursor, limit: limitOf(request.query.limit) })),
  );

  app.post(
    '/clients',
    {
      schema: {
        tags,
        summary: 'Create a client; its key is in this reply only',
        body: NewClientBody,
        response: { 201: ClientKeyReply, 409: ErrorReply, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(toWire(await admin.createClient(request.body))),
  );

  app.post(
    '/clients/:code/rotate',
    {
      schema: {
        tags,
        summary: 'A new key for a client; the old one stops working',
        params: CodeParams,
        response: { 200: ClientKeyReply, ...errors },
      },
    },
    async (request) => toWire(await admin.rotateClient(request.params.code)),
  );

  app.patch(
    '/clients/:code',
    {
      schema: {
        tags,
        summary: 'Disable or enable a client, or set the countries it may text',
        params: CodeParams,
        body: ClientPatchBody,
        response: { 200: AdminClient, ...errors },
      },
    },
    async (request) => {
      const { code } = request.params;
      const { active, countries } = request.body;
      // The body has at least one of them (minProperties); both apply, in this order.
      const changed = [
        ...(countries === undefined ? [] : [await admin.setClientCountries(code, countries)]),
        ...(active === undefined ? [] : [await admin.setClientActive(code, active)]),
      ].at(-1);
      if (changed === undefined) throw new DomainError('invalid_request');
      return toWire({ ...changed, countries: changed.smsCountries ?? null });
    },
  );

  const notYet = { 501: ErrorReply };
  app.get(
    '/fraud/blocked-prefixes',
    {
      schema: {
        tags,
        summary: 'Prefixes blocked by the guard or by hand',
        querystring: PageOnlyQuery,
        response: { 200: BlockedPrefixPage, ...notYet, ...errors },
      },
    },
    async (request) =>
      toWire(
        await admin.fraud.blockedPrefixes({
          cursor: request.query.cursor,
          limit: limitOf(request.query.limit),
        }),
      ),
  );
  app.post(
    '/fraud/blocked-prefixes',
    {
      schema: {
        tags,
        summary: 'Block a prefix by hand',
        body: BlockBody,
        response: { 201: BlockedPrefix, ...notYet, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toWire(await admin.fraud.block(request.body.prefix, request.body.reason))),
  );
  app.delete(
    '/fraud/blocked-prefixes/:digits',
    {
      schema: {
        tags,
        summary: 'Unblock a prefix',
        params: PrefixParams,
        response: { 204: NoContent, ...notYet, ...errors },
      },
    },
    async (request, reply) => {
      await admin.fraud.unblock(`+${request.params.digits}`);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/fraud/safe-list',
    {
      schema: {
        tags,
        summary: 'Prefixes the guard never blocks',
        querystring: PageOnlyQuery,
        response: { 200: SafeListPage, ...notYet, ...errors },
      },
    },
    async (request) =>
      toWire(
        await admin.fraud.safeList({ cursor: request.query.cursor, limit: limitOf(request.query.limit) }),
      ),
  );
  app.post(
    '/fraud/safe-list',
    {
      schema: {
        tags,
        summary: 'Put a prefix on the safe list',
        body: SafeBody,
        response: { 201: SafeListEntry, ...notYet, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(toWire(await admin.fraud.addSafe(request.body.prefix, request.body.note ?? null))),
  );
  app.delete(
    '/fraud/safe-list/:digits',
    {
      schema: {
        tags,
        summary: 'Take a prefix off the safe list',
        params: PrefixParams,
        response: { 204: NoContent, ...notYet, ...errors },
      },
    },
    async (request, reply) => {
      await admin.fraud.removeSafe(`+${request.params.digits}`);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/events',
    {
      schema: {
        tags,
        summary: 'Security events, newest first',
        querystring: EventQuery,
        response: { 200: SecurityEventPage, ...notYet, ...errors },
      },
    },
    async (request) => {
      const { cursor, limit, from, to, ...filter } = request.query;
      return toWire(
        await admin.fraud.events(
          { ...filter, from: dateOf(from), to: dateOf(to) },
          { cursor, limit: limitOf(limit) },
        ),
      );
    },
  );
};

export const adminFace: FastifyPluginAsyncTypebox<AdminFaceOptions> = async (app, options) => {
  await app.register(cookie);
  app.addHook('onRequest', async (request) => refuseForeignRequests(request));
  // Answers about operators' data are never cached by a browser or a proxy.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  // Not `options` itself: it carries this plugin's prefix, which the children would add a second time.
  const services = { sessions: options.sessions, admin: options.admin, signInLimiter: options.signInLimiter };
  await app.register(sessionRoutes, services);
  await app.register(consoleRoutes, services);
};
