/**
 * The Bitel SMS gateway v2's wire schemas (TypeBox): the OTP request, in either documented casing,
 * and the `{result, error}` reply.
 */
import { Type } from 'typebox';

const phoneNumber = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'National Iranian (0912...) or international (+971...)',
});
// The name goes into the SMS: one line, no control characters.
const appName = Type.String({ minLength: 1, maxLength: 50, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });
const code = Type.String({
  minLength: 1,
  maxLength: 20,
  pattern: '^[0-9A-Za-z]+$',
  description: 'e.g. 1234Ma',
});

/** PascalCase as in Bitel's table, camelCase as in its sample request; each field is required once. */
export const OtpBody = Type.Object(
  {
    PhoneNumber: Type.Optional(phoneNumber),
    phoneNumber: Type.Optional(phoneNumber),
    AppName: Type.Optional(appName),
    appName: Type.Optional(appName),
    Code: Type.Optional(code),
    code: Type.Optional(code),
  },
  { additionalProperties: false },
);

export const SmsIdParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: 'The id an OTP request answered' }) },
  { additionalProperties: false },
);

export const SmsResult = Type.Object({
  id: Type.String({ description: 'Our message id: 32 hex digits' }),
  gatewayNumber: Type.String({ description: 'The sender number (BITEL_GATEWAY_NUMBER)' }),
  phoneNumber: Type.String({
    description: 'Masked: the first 4 characters, Iranian numbers in national form',
  }),
  message: Type.String({ description: 'The text sent, with the code masked' }),
  requestDate: Type.Integer({ description: 'Unix seconds' }),
  status: Type.Integer({ description: '0 Waiting, 1 Sent, 2 Delivered, 3 Undelivered, 4 Failed' }),
  statusText: Type.String(),
  partCount: Type.Integer(),
  price: Type.Number({
    description:
      '0 while Waiting (as Bitel documents); once sent, the per-part price (SMS_PRICES) times the parts, or what the provider charged',
  }),
});

export const SmsReply = Type.Object({ result: SmsResult, error: Type.Null() });

export const ErrorReply = Type.Object({
  result: Type.Null(),
  error: Type.Object({
    code: Type.String({
      description: 'InvalidRequest, Unauthorized, NotFound, TooManyRequests or InternalError',
    }),
    message: Type.String(),
  }),
});
