/** menu.app public API v5 wire schemas: the headers every call carries, bodies, and the reply envelopes. */
import { Type } from 'typebox';

/** The headers menu.app documents as required (Fastify sees header names in lower case). */
export const Headers = Type.Object({
  'x-request-id': Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Unique request identifier: a repeat gets the first reply again and changes nothing',
  }),
  application: Type.String({ minLength: 1, maxLength: 64, description: 'The client code' }),
  'api-version': Type.String({ pattern: '^5(\\.[0-9]+){0,2}$', description: 'Version 5.x is served' }),
});

export const CustomerParams = Type.Object({ customer_id: Type.String({ format: 'uuid' }) });

export const PhoneNumberUpdateBody = Type.Object({
  phone_number: Type.String({
    minLength: 1,
    maxLength: 50,
    description: 'International form, e.g. +40724373613',
  }),
});

export const ConfirmationCodeBody = Type.Object({
  confirmation_code: Type.String({ minLength: 1, maxLength: 10 }),
});

export const CustomerAccount = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type_id: Type.Integer(),
  reference_type: Type.Literal('CustomerAccount'),
  first_name: Type.String(),
  last_name: Type.String(),
  email: Type.String(),
  phone_number: Type.String({ description: 'E.164' }),
  locale: Type.String(),
  state: Type.Integer(),
  demographics: Type.Array(
    Type.Object({ id: Type.String(), demographic_id: Type.String(), value: Type.String() }),
    { description: 'Always empty: otpgate keeps no demographics' },
  ),
  optin_status_email: Type.Integer(),
  optin_status_pn: Type.Integer(),
  has_pending_email_change: Type.Boolean(),
  has_pending_phone_number_change: Type.Boolean(),
  is_social: Type.Boolean(),
  social_login: Type.Null(),
  updated_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss, UTC' }),
  created_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss, UTC' }),
  confirmed: Type.Boolean({ description: 'The phone number is verified' }),
});

export const AccountReply = Type.Object({
  status: Type.Literal('OK'),
  code: Type.Literal(200),
  data: Type.Object({ customer_account: CustomerAccount }),
});

export const ErrorReply = Type.Object({
  status: Type.Literal('ERROR'),
  code: Type.Integer({ description: 'The HTTP status' }),
  message: Type.String(),
  error_code: Type.String({ description: 'Stable machine-readable code, e.g. code_incorrect' }),
  errors: Type.Record(Type.String(), Type.Array(Type.String()), {
    description: 'The problems of each request field or header, by its name',
  }),
});
