/**
 * The native API's wire schemas (TypeBox): they validate requests and produce the OpenAPI document. A
 * schema with a `title` is one of the document's named components (src/http/api-reference.ts hoists it).
 */
import { Type, type Static, type TSchema } from 'typebox';
import { CUSTOMER_LIMITS, PASSWORD_MIN_LENGTH } from '../../domain/customers.js';
import { WEBHOOK_URL_MAX_LENGTH } from '../../domain/webhook-targets.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const NullableDateTime = Type.Union([DateTime, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
/** Ids are Postgres integers: a larger number names nothing, and must be refused before the database sees it. */
const INT4_MAX = 2_147_483_647;

/**
 * The same schema, saying what a reply with it means: @fastify/swagger makes it the OpenAPI response's
 * description and leaves the schema's own (that of the named component) alone.
 */
export const replyOf = <T extends TSchema>(schema: T, description: string): T => ({
  ...schema,
  'x-response-description': description,
});

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const Locale = Type.Union([Type.Literal('en'), Type.Literal('ar'), Type.Literal('fa')], {
  title: 'Locale',
  description: "Language of the SMS text; by default the number's country's (COUNTRY_LOCALES)",
});
export const Purpose = Type.Union(
  [Type.Literal('signup'), Type.Literal('login'), Type.Literal('phone_change'), Type.Literal('generic')],
  { title: 'Purpose', description: 'What the code is for: it picks the text of the SMS' },
);

export const Channel = Type.Union([Type.Literal('sms'), Type.Literal('whatsapp'), Type.Literal('email')], {
  title: 'Channel',
  description: 'How the code goes: SMS, a WhatsApp authentication message, or an email',
});

export const WorkflowStep = Type.Object(
  {
    channel: Channel,
    to: Type.String({ description: 'E.164 for sms and whatsapp, an email address for email' }),
    timeoutSeconds: Type.Integer({ description: 'How long this step waits before the next one sends' }),
  },
  { title: 'WorkflowStep', description: 'One step of a verification’s workflow' },
);

export const ErrorReply = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. verification_expired' }),
      message: Type.String({ description: 'In English, or Arabic when Accept-Language asks for it' }),
      details: Type.Optional(
        Type.Array(Type.Object({ field: Type.Optional(Type.String()), problem: Type.String() })),
      ),
    }),
  },
  { title: 'Error', description: 'The one error shape of every native reply' },
);

export const Customer = Type.Object(
  {
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
  },
  { title: 'Customer', description: 'A customer of the caller’s tenant' },
);

export const Verification = Type.Object(
  {
    id: Uuid,
    to: Type.String({ description: 'E.164, or an email address for the email channel' }),
    purpose: Purpose,
    locale: Locale,
    channel: Channel,
    workflow: Type.Union([Type.Array(WorkflowStep), Type.Null()], {
      description: 'The channels it falls back through, in order; null: one channel',
    }),
    step: Type.Integer({ description: 'The index of the current workflow step (0 without a workflow)' }),
    stepDeadline: Type.Union([DateTime, Type.Null()], {
      description: 'When the current step gives way to the next; null on the last step',
    }),
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
    serviceId: Type.Union([Uuid, Type.Null()], {
      description:
        'The verification service it was started under (the Twilio Verify face: VA + these hex digits)',
    }),
    sends: Type.Array(
      Type.Object({
        messageId: Type.Union([Uuid, Type.Null()]),
        channel: Type.Union([
          Type.Literal('sms'),
          Type.Literal('whatsapp'),
          Type.Literal('email'),
          Type.Literal('test'),
        ]),
        at: DateTime,
      }),
    ),
  },
  { title: 'Verification', description: 'One code sent to one number, and the checks made against it' },
);

export const CheckReply = Type.Object(
  {
    valid: Type.Boolean({ description: 'Whether this code was the right one' }),
    verification: Verification,
  },
  { title: 'CheckResult' },
);

export const Message = Type.Object(
  {
    id: Uuid,
    kind: Type.Union([Type.Literal('otp'), Type.Literal('notice')]),
    channel: Channel,
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
    readAt: Type.Union([DateTime, Type.Null()], { description: 'When its reader opened it (WhatsApp)' }),
    undeliveredAt: NullableDateTime,
    failedAt: NullableDateTime,
    updatedAt: DateTime,
  },
  { title: 'Message', description: 'One SMS in the outbox (its text never shows a code)' },
);

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
  { additionalProperties: false, title: 'RegisterCustomerRequest' },
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
  { additionalProperties: false, minProperties: 1, title: 'UpdateCustomerRequest' },
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

export const CustomerPage = Type.Object(
  {
    data: Type.Array(Customer),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'The cursor of the next page; null on the last one',
    }),
  },
  { title: 'CustomerPage' },
);

const destination = Type.String({
  minLength: 3,
  maxLength: 254,
  description: 'International format, e.g. +971501234567; an email address for the email channel',
});

export const StartVerificationBody = Type.Object(
  {
    to: destination,
    channel: Type.Optional(Channel),
    workflow: Type.Optional(
      Type.Array(
        Type.Object(
          {
            channel: Channel,
            to: Type.Optional(destination),
            timeoutSeconds: Type.Optional(
              Type.Integer({
                minimum: 15,
                maximum: 900,
                description: 'How long this step waits for delivery and approval (default 300)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 3,
          description:
            'Channels to fall back through (Vonage Verify v2): a step not delivered, or not approved within its timeout, gives way to the next, which sends a new code. The first step replaces `channel`; a step without `to` sends to the request’s.',
        },
      ),
    ),
    purpose: Type.Optional(Purpose),
    locale: Type.Optional(Locale),
    customerId: Type.Optional(Uuid),
    appHash: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9+/]{11}$',
        description: "Android SMS Retriever: the app's 11-character hash, put as the text's last line",
      }),
    ),
  },
  { additionalProperties: false, title: 'StartVerificationRequest' },
);

export const ClientMe = Type.Object(
  {
    code: Type.String({ description: 'The client code (the Vonage face takes it as api_key)' }),
    id: Uuid,
    tenant: Type.String(),
    accountSid: Type.String({
      pattern: '^AC[0-9a-f]{32}$',
      description: "The Twilio Verify face's username: AC and the id's 32 hex digits",
    }),
  },
  { title: 'ClientMe', description: 'The calling client, with its Twilio Verify Account SID' },
);

export const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 10, description: 'The code from the SMS' }) },
  { additionalProperties: false, title: 'CodeRequest' },
);

export const PhoneChangeBody = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.password }),
    newPhone: phone,
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false, title: 'PhoneChangeRequest' },
);

export const PhoneChangeReply = Type.Object(
  { customer: Customer, verification: Verification },
  { title: 'PhoneChange', description: 'The customer (with pendingPhoneChange) and the new number’s code' },
);
export const RegisterReply = Type.Object(
  { customer: Customer, verification: Verification },
  { title: 'Registration', description: 'The new customer and the verification of its signup code' },
);

export const LiveReply = Type.Object({ status: Type.Literal('ok') }, { title: 'Liveness' });

export const HealthReply = Type.Object(
  {
    status: Type.Literal('ok'),
    database: Type.String(),
    redis: Type.Optional(
      Type.Union([Type.Literal('ok'), Type.Literal('unavailable')], {
        description: 'Only with REDIS_URL; while unavailable, rate limits count in each node’s memory',
      }),
    ),
  },
  { title: 'Health' },
);

export const ListEventsQuery = Type.Object(
  {
    type: Type.Optional(
      Type.String({
        pattern: '^[a-z_]{1,40}$',
        description: 'Only events of this type, e.g. prefix_blocked',
      }),
    ),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only events from this moment on' }),
    ),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,18}$', description: 'nextCursor of the previous page' }),
    ),
    limit: Type.Optional(
      Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 50' }),
    ),
  },
  { additionalProperties: false },
);

export const SecurityEvent = Type.Object(
  {
    id: Type.String(),
    type: Type.String({
      description:
        'limit_hit, send_budget_exceeded, prefix_blocked, prefix_unblocked, send_refused, safe_list_changed, ' +
        'check_failed, phone_locked_out, password_refused, signature_refused or phone_changed',
    }),
    at: DateTime,
    clientId: Type.Union([Uuid, Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    subject: Type.Union([Type.String(), Type.Null()]),
    summary: Type.String({
      description: 'One line, e.g. "+9891212: 21 sent, 0 approved in 3 min; blocked 12 h"',
    }),
    figures: Type.Record(Type.String(), Type.Unknown(), { description: 'The figures behind the decision' }),
  },
  { title: 'SecurityEvent' },
);

export const EventPage = Type.Object(
  {
    data: Type.Array(SecurityEvent),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'SecurityEventPage' },
);

export const WebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: WEBHOOK_URL_MAX_LENGTH,
      description: 'Where status changes are posted (https; see docs/webhooks.md)',
    }),
  },
  { additionalProperties: false, title: 'WebhookRegistration' },
);

export const Webhook = Type.Object(
  { url: Type.String(), createdAt: DateTime, updatedAt: DateTime },
  { title: 'Webhook' },
);

export const RegisteredWebhook = Type.Object(
  {
    url: Type.String(),
    secret: Type.String({
      description: 'Signs every post (Otpgate-Signature): shown this once; a new one with every PUT',
    }),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { title: 'RegisteredWebhook' },
);
