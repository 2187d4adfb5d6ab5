/**
 * The legacy CUSTOMERS API (/api): insert a customer and text an OTP, re-send it, verify it, and the
 * COUNTRIES / EMIRATES reference tables. Validate, call the domain, map; nothing else lives here.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { callerOf, requireClient } from '../../http/auth.js';
import { languageOf } from '../../http/errors.js';
import { canonicalQuery } from '../aspnet.js';
import type { FaceContext } from '../context.js';
import { legacyErrorHandler } from '../legacy-errors.js';
import {
  countryRow,
  customerBodyFromForm,
  customerRow,
  emirateRow,
  references,
  refusalStatus,
  refusalBody,
  registerInput,
  succeeded,
  type References,
} from './map.js';
import {
  CountriesReply,
  CUSTOMERS_PATHS,
  CustomerBody,
  EmiratesReply,
  InsertQuery,
  SendOtpQuery,
  SmsReply,
  VerifyOtpQuery,
} from './schemas.js';

const tags = ['CUSTOMERS (legacy)'];
/** Statuses a refusal keeps (see refusalStatus); everything else the client is told answers 200. */
const refusals = <T>(schema: T) => ({
  401: schema,
  413: schema,
  415: schema,
  429: schema,
  500: schema,
  503: schema,
});

/** The query names this API takes, in their documented casing. */
const QUERY_NAMES = ['foreigns', 'CUSTOMERId', 'Token', 'OTP'];
/** CUSTOMER_ID is a PostgreSQL integer: a larger number names no customer. */
const INT32_MAX = 2_147_483_647;

// JSON.NET writes unset members as null: a null member is read as one not sent.
function withoutNulls(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

const wantsForeigns = (foreigns: string | undefined) => foreigns?.toLowerCase() === 'true';

export const customersFace: FastifyPluginAsyncTypebox<FaceContext> = async (app, ctx) => {
  const { domain } = ctx;
  const security = ctx.authRequired ? [{ bearer: [] }] : [];

  // Documented request formats are application/json, text/json and application/x-www-form-urlencoded
  // ("Sample not available": read as ASP.NET binds a form); the OTP calls may carry an empty body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/json'],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = body.toString();
      if (text === '') return done(null, undefined);
      parseJson(request, text, done);
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, customerBodyFromForm(body.toString())),
  );

  app.setErrorHandler(legacyErrorHandler(refusalStatus, refusalBody));

  app.addHook('onRequest', async (request) => {
    // ASP.NET binds query parameters whatever their case (customerid=, CustomerID=): so do we.
    request.query = canonicalQuery(request.query, QUERY_NAMES);
  });
  if (ctx.authRequired) app.addHook('onRequest', requireClient(ctx.clients, ctx.limits.client));
  app.addHook('preValidation', async (request) => {
    request.body = withoutNulls(request.body);
  });

  // The reference tables are seeded by a migration and never change while the service runs.
  let loaded: Promise<References> | undefined;
  const referenceTables = (): Promise<References> => {
    loaded ??= Promise.all([domain.reference.countries(), domain.reference.emirates()]).then(
      ([countries, emirates]) => references({ countries, emirates }),
    );
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
  const nested = async (foreigns: string | undefined) => (wantsForeigns(foreigns) ? referenceTables() : null);

  const customerByNumber = (customerId: string, request: FastifyRequest) => {
    const number = Number(customerId);
    if (number < 1 || number > INT32_MAX) throw new DomainError('customer_not_found');
    return domain.customers.getByNumber(number, callerOf(request).tenant);
  };

  app.post(
    CUSTOMERS_PATHS.insert,
    {
      schema: {
        tags,
        summary: 'Insert a customer and text an OTP to MOBILE_NO; Token identifies that SMS',
        security,
        querystring: InsertQuery,
        body: CustomerBody,
        response: { 200: SmsReply, ...refusals(SmsReply) },
      },
    },
    async (request) => {
      const { body } = request;
      // The domain checks FK_MOBILE_COUNTRY and FK_EMIRATE, and reads a national MOBILE_NO in that country.
      const { customer, verification } = await domain.customers.register(registerInput(body), {
        caller: callerOf(request),
        locale: languageOf(request),
      });
      return {
        Status: succeeded('customer_added'),
        Token: verification.id,
        DATA: [customerRow(customer, await nested(request.query.foreigns))],
      };
    },
  );

  app.post(
    CUSTOMERS_PATHS.sendOtp,
    {
      schema: {
        tags,
        summary: "Text a new OTP to the customer's mobile number; returns its Token",
        security,
        querystring: SendOtpQuery,
        response: { 200: SmsReply, ...refusals(SmsReply) },
      },
    },
    async (request) => {
      const customer = await customerByNumber(request.query.CUSTOMERId, request);
      const verification = await domain.verifications.start({
        to: customer.phone,
        purpose: 'signup',
        locale: languageOf(request),
        customerId: customer.id,
        caller: callerOf(request),
      });
      return {
        Status: succeeded('otp_sent'),
        Token: verification.id,
        DATA: [customerRow(customer, await nested(request.query.foreigns))],
      };
    },
  );

  app.post(
    CUSTOMERS_PATHS.verifyOtp,
    {
      schema: {
        tags,
        summary: "Verify the OTP of a Token: the customer's mobile number becomes verified",
        security,
        querystring: VerifyOtpQuery,
        response: { 200: SmsReply, ...refusals(SmsReply) },
      },
    },
    async (request) => {
      const { CUSTOMERId, Token, OTP, foreigns } = request.query;
      const customer = await customerByNumber(CUSTOMERId, request);
      const { tenant } = callerOf(request);
      const verified = await domain.customers.confirmPhone(customer.id, Token, OTP, tenant);
      return {
        Status: succeeded('otp_verified'),
        Token,
        DATA: [customerRow(verified, await nested(foreigns))],
      };
    },
  );

  app.get(
    CUSTOMERS_PATHS.countries,
    {
      schema: {
        tags,
        summary: 'Every country: COUNTRY_ID is the ISO 3166 numeric code',
        security,
        response: { 200: CountriesReply, ...refusals(CountriesReply) },
      },
    },
    async () => ({ Status: succeeded('listed'), DATA: (await referenceTables()).countries.map(countryRow) }),
  );

  app.get(
    CUSTOMERS_PATHS.emirates,
    {
      schema: {
        tags,
        summary: 'The seven emirates',
        security,
        response: { 200: EmiratesReply, ...refusals(EmiratesReply) },
      },
    },
    async () => ({ Status: succeeded('listed'), DATA: (await referenceTables()).emirates.map(emirateRow) }),
  );
};
