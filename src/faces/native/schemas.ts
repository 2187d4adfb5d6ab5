/** The native API's wire schemas (TypeBox): they validate requests and produce the OpenAPI document. */
import { Type, type Static } from 'typebox';
import { CUSTOMER_LIMITS, PASSWORD_MIN_LENGTH } from '../../domain/customers.js';
import { WEBHOOK_URL_MAX_LENGTH } from '../../domain/webhook-targets.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const NullableDateTime = Type.Union([DateTime, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
/** Ids are Postgres integers: a larger number names nothing, and must be refused before the database sees it. */
const INT4_MAX = 2_147_483_647;

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const Locale = Type.Union([Type.Literal('en'), Type.Literal('ar'), Type.Literal('fa')], {
  description: 'Language of the SMS text',
});
export const Purpose = Type.Union([
  Type.Literal('signup'),
  Type.Literal('login'),
  Type.Literal('phone_change'),
  Type.Literal('generic'),
]);

export const ErrorReply = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable machine-readable code, e.g. verification_expired' }),
    message: Type.String({ description: 'In English, or Arabic when Accept-Language asks for it' }),
    details: Type.Optional(
      Type.Array(Type.Object({ field: Type.Optional(Type.String()), problem: Type.String() })),
    ),
  }),
});

export const Customer = Type.Object({
  id: Uuid,
  number: Type.Integer({ description: 'Sequential number, as the legacy APIs name customers' }),
  nameEn: Type.String(),
  nameAr: Nullable(Type.String()),
  email: Type.String(),
  phone: Type.String({ description: 'E.164' }),
  notes: Nullable(Type.String()),
  active: Type.Boolean(),
  emirateId: Type.Union([Type.Integer(), Type.Null()]),
  mobileCountryId: Type.Union([Type.Integer(), Type.Null()]),
  phoneVerified: Type.Boolean(),
  pendingPhoneChange: Type.Union([
    Type.Object({ phone: Type.String(), verificationId: Type.Union([Uuid, Type.Null()]) }),
    Type.Null(),
  ]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Verification = Type.Object({
  id: Uuid,
  to: Type.String({ description: 'E.164' }),
  purpose: Purpose,
  locale: Locale,
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('approved'),
    Type.Literal('canceled'),
    Type.Literal('expired'),
    Type.Literal('max_attempts_reached'),
  ]),
  customerId: Type.Union([Uuid, Type.Null()]),
  checks: Type.Integer({ description: 'Checks made so far' }),
  maxChecks: Type.Integer(),
  expiresAt: DateTime,
  createdAt: DateTime,
  updatedAt: DateTime,
  approvedAt: NullableDateTime,
  sends: Type.Array(
    Type.Object({
      messageId: Type.Union([Uuid, Type.Null()]),
      channel: Type.Union([Type.Literal('sms'), Type.Literal('test')]),
      at: DateTime,
    }),
  ),
});

export const CheckReply = Type.Object({ valid: Type.Boolean(), verification: Verification });

export const Message = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('otp'), Type.Literal('notice')]),
  to: Type.String(),
  preview: Type.String({ description: 'The text with any code masked' }),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('sending'),
    Type.Literal('sent'),
    Type.Literal('delivered'),
    Type.Literal('undelivered'),
    Type.Literal('failed'),
  ]),
  encoding: Type.Union([Type.Literal('gsm7'), Type.Literal('ucs2')]),
  parts: Type.Integer(),
  price: Type.Union([Type.Number(), Type.Null()]),
  currency: Nullable(Type.String()),
  provider: Nullable(Type.String()),
  providerRef: Nullable(Type.String()),
  attempts: Type.Integer(),
  error: Type.Union([Type.Object({ code: Type.String(), message: Nullable(Type.String()) }), Type.Null()]),
  verificationId: Type.Union([Uuid, Type.Null()]),
  createdAt: DateTime,
  sentAt: NullableDateTime,
  deliveredAt: NullableDateTime,
  undeliveredAt: NullableDateTime,
  failedAt: NullableDateTime,
  updatedAt: DateTime,
});

const password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: CUSTOMER_LIMITS.password });
const phone = Type.String({
  minLength: 3,
  maxLength: 50,
  description: 'International format, e.g. +971501234567',
});

export const RegisterCustomerBody = Type.Object(
  {
    nameEn: Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.nameEn }),
    nameAr: Type.Optional(Nullable(Type.String({ maxLength: CUSTOMER_LIMITS.nameAr }))),
    email: Type.String({ minLength: 3, maxLength: CUSTOMER_LIMITS.email }),
    phone,
    password,
    notes: Type.Optional(Nullable(Type.String({ maxLength: CUSTOMER_LIMITS.notes }))),
    active: Type.Optional(Type.Boolean()),
    emirateId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: INT4_MAX }), Type.Null()])),
    mobileCountryId: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: INT4_MAX }), Type.Null()]),
    ),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type RegisterCustomerBody = Static<typeof RegisterCustomerBody>;

export const UpdateCustomerBody = Type.Object(
  {
    nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.nameEn })),
    nameAr: Type.Optional(Nullable(Type.String({ maxLength: CUSTOMER_LIMITS.nameAr }))),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: CUSTOMER_LIMITS.email })),
    notes: Type.Optional(Nullable(Type.String({ maxLength: CUSTOMER_LIMITS.notes }))),
    active: Type.Optional(Type.Boolean()),
    emirateId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: INT4_MAX }), Type.Null()])),
    mobileCountryId: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: INT4_MAX }), Type.Null()]),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListCustomersQuery = Type.Object(
  {
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,9}$', description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Optional(
      Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' }),
    ),
  },
  { additionalProperties: false },
);

export const CustomerPage = Type.Object({
  data: Type.Array(Customer),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const StartVerificationBody = Type.Object(
  {
    to: phone,
    purpose: Type.Optional(Purpose),
    locale: Type.Optional(Locale),
    customerId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 10 }) },
  { additionalProperties: false },
);

export const PhoneChangeBody = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.password }),
    newPhone: phone,
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);

export const PhoneChangeReply = Type.Object({ customer: Customer, verification: Verification });
export const RegisterReply = Type.Object({ customer: Customer, verification: Verification });

export const HealthReply = Type.Object({
  status: Type.Literal('ok'),
  database: Type.String(),
  redis: Type.Optional(
    Type.Union([Type.Literal('ok'), Type.Literal('unavailable')], {
      description: 'Only with REDIS_URL; while unavailable, rate limits count in each node’s memory',
    }),
  ),
});

export const WebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: WEBHOOK_URL_MAX_LENGTH,
      description: 'Where status changes are posted (https; see docs/webhooks.md)',
    }),
  },
  { additionalProperties: false },
);

export const Webhook = Type.Object({ url: Type.String(), createdAt: DateTime, updatedAt: DateTime });

export const RegisteredWebhook = Type.Object({
  url: Type.String(),
  secret: Type.String({
    description: 'Signs every post (Otpgate-Signature): shown this once; a new one with every PUT',
  }),
  createdAt: DateTime,
  updatedAt: DateTime,
});
