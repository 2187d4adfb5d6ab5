/**
 * The CBSS customer API (mounted at /api): a login that hands out a salt, then the two steps of a
 * mobile number change, each in CBSS's signed envelope. Validate, authenticate, call the domain, map.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { apiNotFound } from '../api-not-found.js';
import { canonicalQuery } from '../aspnet.js';
import type { FaceContext } from '../context.js';
import { domainStatus, legacyErrorHandler } from '../legacy-errors.js';
import { clientCodeOf, languageOf, localeOf, refusalBody, reply } from './map.js';
import {
  CBSS_PATHS,
  CbssQuery,
  EmptyReply,
  LoginReply,
  LoginRequest,
  OtpRequest,
  PasswordAndNewMobilePhoneNumberRequest,
  REFUSALS,
} from './schemas.js';
import { createCbssAuth, type SignedRequest } from './signed-request.js';

/** The query names CBSS documents, in their documented casing. */
const QUERY_NAMES = ['Signature', 'Language'];

/** The request formats CBSS documents (text/html carries the same JSON in its samples). */
const JSON_MEDIA_TYPES = ['application/json', 'text/json', 'text/html'];

type JsonParser = (
  request: FastifyRequest,
  body: string,
  done: (error: Error | null, body?: unknown) => void,
) => void;

export const cbssFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const auth = createCbssAuth(ctx);
  const { domain, clock } = ctx;

  // The signature covers the exact bytes sent, so they are kept before the JSON is parsed.
  const rawBodies = new WeakMap<object, Buffer>();
  const parseJson = app.getDefaultJsonParser('error', 'error') as JsonParser;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(request, raw);
    parseJson(request, raw.toString('utf8'), done);
  });

  app.setErrorHandler(
    legacyErrorHandler(domainStatus, (error, request) =>
      // The query is read again: a refusal may come before the onRequest hook below canonicalised it.
      refusalBody(
        error,
        languageOf(canonicalQuery(request.query, QUERY_NAMES).Language),
        clientCodeOf(request.body),
        clock.now(),
      ),
    ),
  );

  // /api is shared with CUSTOMERS and menu.app and takes one not-found handler: CBSS holds it, as
  // its own hooks refuse nothing before it (no client key, no request-id replay).
  const notFound = apiNotFound(app.routing, clock);
  app.addHook('onRequest', notFound.onRequest);
  app.setNotFoundHandler(notFound.handler);

  // ASP.NET binds query parameters whatever their case (signature=, language=): so do we.
  app.addHook('onRequest', async (request) => {
    request.query = canonicalQuery(request.query, QUERY_NAMES);
  });

  const signed = (request: {
    body: { ClientCode: string; DateTime: string; Content: { Identity?: string | null } };
    query: { Signature?: string };
  }): SignedRequest => ({
    raw: rawBodies.get(request) ?? Buffer.alloc(0),
    clientCode: request.body.ClientCode,
    dateTime: request.body.DateTime,
    signature: request.query.Signature,
    identity: request.body.Content.Identity,
  });
  const tags = ['cbss'];

  app.post(
    CBSS_PATHS.login,
    {
      schema: {
        tags,
        summary: 'Log in with Identity and Password; answers the salt that signs this session (30 minutes)',
        querystring: CbssQuery,
        body: LoginRequest,
        response: { 200: LoginReply, ...REFUSALS },
      },
    },
    async (request) => {
      const caller = await auth.verifyLogin(signed(request));
      const { Identity, Password } = request.body.Content;
      const customer = await domain.customers.authenticate(Identity, Password, caller.tenant);
      const loginSalt = await auth.startSession(request.body.ClientCode, customer.id);
      return reply(request.body.ClientCode, clock.now(), {
        CustomerId: customer.number,
        LoginSalt: loginSalt,
      });
    },
  );

  app.post(
    CBSS_PATHS.changeMobile,
    {
      schema: {
        tags,
        summary:
          'Step 1 of a mobile number change: the current password and the new number; texts an OTP to it',
        querystring: CbssQuery,
        body: PasswordAndNewMobilePhoneNumberRequest,
        response: { 200: EmptyReply, ...REFUSALS },
      },
    },
    async (request) => {
      const { customerId, caller } = await auth.verifySession(signed(request));
      const { Password, NewMobilePhoneNumber } = request.body.Content;
      // A national NewMobilePhoneNumber is read by the domain in the country of the current number.
      await domain.phoneChange.request(customerId, {
        password: Password,
        newPhone: NewMobilePhoneNumber,
        locale: localeOf(languageOf(request.query.Language)),
        caller: { ...caller, ip: request.ip },
      });
      return reply(request.body.ClientCode, clock.now(), null);
    },
  );

  app.post(
    CBSS_PATHS.confirmMobile,
    {
      schema: {
        tags,
        summary: 'Step 2 of a mobile number change: the OTP texted to the new number; switches the number',
        querystring: CbssQuery,
        body: OtpRequest,
        response: { 200: EmptyReply, ...REFUSALS },
      },
    },
    async (request) => {
      const { customerId, caller } = await auth.verifySession(signed(request));
      await domain.phoneChange.confirm(customerId, request.body.Content.OTP, caller.tenant);
      return reply(request.body.ClientCode, clock.now(), null);
    },
  );
};
