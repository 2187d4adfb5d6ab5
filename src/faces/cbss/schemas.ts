/**
 * The CBSS customer API's wire schemas (TypeBox): the signed request envelope {ClientCode, DateTime,
 * Content} and the reply envelope {IsSuccessful, Messages, ClientCode, DateTime, Content}.
 */
import { Type, type TSchema } from 'typebox';
import { CUSTOMER_LIMITS } from '../../domain/customers.js';

/** The documented paths (under /api), matched in any case as ASP.NET routing does (see api-not-found.ts). */
export const CBSS_PATHS = {
  login: '/Customer/Login',
  changeMobile: '/Customer/ChangeMobilePhoneNumber/1/PasswordAndNewMobilePhoneNumber',
  confirmMobile: '/Customer/ChangeMobilePhoneNumber/2/OTP',
} as const;

export const CbssQuery = Type.Object({
  Signature: Type.Optional(
    Type.String({
      maxLength: 128,
      description:
        'SHA-256 of (raw body + client key + login salt), in hex (any case) or Base64; the login leaves out the salt',
    }),
  ),
  Language: Type.Optional(
    Type.String({
      maxLength: 16,
      description: 'en_US (default) or ar_AE: the language of Messages and of the SMS',
    }),
  ),
});

// .NET's round-trip format ("2024-11-18T12:48:02.7466721+08:00"): an offset is required, the time is absolute.
const DateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 with an offset; refused when more than 5 minutes from the server clock',
});

// Unknown members are ignored, as ASP.NET's model binder ignores them: no object below refuses them.
const requestEnvelope = <T extends TSchema>(content: T) =>
  Type.Object({
    ClientCode: Type.String({ minLength: 1, maxLength: 64, description: 'The client whose key signs' }),
    DateTime,
    Content: content,
  });

const identity = Type.String({
  minLength: 1,
  maxLength: CUSTOMER_LIMITS.email,
  description: "The customer's mobile number (international form) or email",
});
const sessionIdentity = Type.Optional(
  Type.Union([identity, Type.Null()], {
    description: 'Null: the session is the one whose login salt makes the signature verify',
  }),
);
const password = Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.password });

export const LoginRequest = requestEnvelope(Type.Object({ Identity: identity, Password: password }));

export const PasswordAndNewMobilePhoneNumberRequest = requestEnvelope(
  Type.Object({
    Identity: sessionIdentity,
    Password: password,
    NewMobilePhoneNumber: Type.String({
      minLength: 3,
      maxLength: 50,
      description: 'International, or national in the country of the current number',
    }),
  }),
);

export const OtpRequest = requestEnvelope(
  Type.Object({ Identity: sessionIdentity, OTP: Type.String({ minLength: 1, maxLength: 10 }) }),
);

/** Models.Message: a stable code (the domain's error codes) and its text in the requested language. */
export const Message = Type.Object({ Code: Type.String(), Text: Type.String() });

const replyEnvelope = <T extends TSchema>(content: T) =>
  Type.Object({
    IsSuccessful: Type.Boolean(),
    Messages: Type.Array(Message),
    ClientCode: Type.Union([Type.String(), Type.Null()], {
      description: "The request's; null when unreadable",
    }),
    DateTime: Type.String({ description: 'The server time, ISO 8601' }),
    Content: content,
  });

export const LoginReply = replyEnvelope(
  Type.Object({
    CustomerId: Type.Integer({ description: "The customer's sequential number" }),
    LoginSalt: Type.String({
      description: "Signs this session's requests; expires 30 minutes after the login",
    }),
  }),
);

/** The reply of the phone-change steps, and of every refusal (IsSuccessful false, the reason in Messages). */
export const EmptyReply = replyEnvelope(Type.Null());

export const REFUSALS = {
  400: EmptyReply,
  401: EmptyReply,
  403: EmptyReply,
  404: EmptyReply,
  409: EmptyReply,
  413: EmptyReply,
  415: EmptyReply,
  422: EmptyReply,
  429: EmptyReply,
  503: EmptyReply,
};
