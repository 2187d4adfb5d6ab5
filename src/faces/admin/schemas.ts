/** The console's API (/admin/api) wire schemas: they validate requests and produce the admin OpenAPI document. */
import { Type } from 'typebox';
import { OVERVIEW_PERIODS, PAGE_SIZE_MAX } from '../../domain/admin.js';
import { ADMIN_KEY_MIN_LENGTH } from '../../domain/admin-sessions.js';
import { Channel, ErrorReply, Locale, Purpose } from '../native/schemas.js';

export { ErrorReply };

const DateTime = Type.String({ format: 'date-time' });
const NullableDateTime = Type.Union([DateTime, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const code = Type.String({
  pattern: '^[A-Za-z0-9_.-]{1,64}$',
  description: 'Letters, digits, _ . - (at most 64)',
});

export const VerificationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('canceled'),
  Type.Literal('expired'),
  Type.Literal('max_attempts_reached'),
]);
export const MessageStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('delivered'),
  Type.Literal('undelivered'),
  Type.Literal('failed'),
]);

export const NoContent = Type.Null({ description: 'No content' });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const CodeParams = Type.Object({ code }, { additionalProperties: false });
export const PrefixParams = Type.Object(
  { digits: Type.String({ pattern: '^[0-9]{1,15}$', description: 'The prefix without its +' }) },
  { additionalProperties: false },
);

const paging = {
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next of the previous page' })),
  limit: Type.Optional(
    Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: `Rows per page, at most ${PAGE_SIZE_MAX}` }),
  ),
};
const period = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'From this moment (inclusive)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Until this moment (exclusive)' })),
};
const phoneSearch = Type.Optional(
  Type.String({
    maxLength: 30,
    description: 'A whole number or its first digits; spaces and dashes ignored',
  }),
);

export const PageOnlyQuery = Type.Object(paging, { additionalProperties: false });

export const VerificationQuery = Type.Object(
  {
    ...paging,
    ...period,
    phone: phoneSearch,
    status: Type.Optional(VerificationStatus),
    // Untitled here: a query parameter is written apart from the named schema (api-reference.ts hoists titles).
    purpose: Type.Optional(Type.Union(Purpose.anyOf)),
    client: Type.Optional(code),
  },
  { additionalProperties: false },
);

export const MessageQuery = Type.Object(
  { ...paging, ...period, phone: phoneSearch, status: Type.Optional(MessageStatus) },
  { additionalProperties: false },
);

export const CustomerQuery = Type.Object(
  {
    ...paging,
    phone: phoneSearch,
    text: Type.Optional(Type.String({ maxLength: 100, description: 'Part of a name or the email' })),
    tenant: Type.Optional(code),
  },
  { additionalProperties: false },
);

export const EventQuery = Type.Object(
  {
    ...paging,
    ...period,
    phone: phoneSearch,
    type: Type.Optional(Type.String({ pattern: '^[a-z_]{1,64}$' })),
  },
  { additionalProperties: false },
);

export const OverviewQuery = Type.Object(
  {
    period: Type.Optional(
      Type.Union(
        Object.keys(OVERVIEW_PERIODS).map((name) => Type.Literal(name)),
        { description: 'The span that ends now; 7d by default' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SignInBody = Type.Object(
  {
    key: Type.String({
      minLength: 1,
      maxLength: 512,
      description: `ADMIN_KEY (at least ${ADMIN_KEY_MIN_LENGTH} characters)`,
    }),
  },
  { additionalProperties: false },
);
export const SessionReply = Type.Object({ signedIn: Type.Boolean(), expiresAt: Type.Optional(DateTime) });

const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), next: NullableString });

export const AdminVerification = Type.Object({
  id: Uuid,
  to: Type.String({ description: 'Masked in lists, whole in a detail' }),
  purpose: Purpose,
  locale: Locale,
  channel: Channel,
  status: VerificationStatus,
  customerId: Type.Union([Uuid, Type.Null()]),
  clientId: Type.Union([Uuid, Type.Null()]),
  clientCode: NullableString,
  tenant: Type.String(),
  checks: Type.Integer(),
  maxChecks: Type.Integer(),
  sends: Type.Integer(),
  expiresAt: DateTime,
  createdAt: DateTime,
  updatedAt: DateTime,
  approvedAt: NullableDateTime,
});
export const VerificationPage = page(AdminVerification);

export const AdminMessage = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('otp'), Type.Literal('notice')]),
  channel: Channel,
  to: Type.String({ description: 'Masked except in a verification detail' }),
  preview: Type.String({ description: 'The text with any code masked' }),
  status: MessageStatus,
  encoding: Type.Union([Type.Literal('gsm7'), Type.Literal('ucs2')]),
  parts: Type.Integer(),
  price: NullableNumber,
  currency: NullableString,
  provider: NullableString,
  providerRef: NullableString,
  attempts: Type.Integer(),
  errorCode: NullableString,
  errorMessage: NullableString,
  verificationId: Type.Union([Uuid, Type.Null()]),
  clientCode: NullableString,
  tenant: Type.String(),
  createdAt: DateTime,
  sentAt: NullableDateTime,
  deliveredAt: NullableDateTime,
  undeliveredAt: NullableDateTime,
  failedAt: NullableDateTime,
  updatedAt: DateTime,
});
export const MessagePage = page(AdminMessage);

export const AdminMessageDetail = Type.Intersect([
  AdminMessage,
  Type.Object({
    timeline: Type.Array(Type.Object({ status: MessageStatus, at: DateTime })),
    partList: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        provider: Type.String(),
        ref: Type.String(),
        status: Type.String(),
        errorCode: NullableString,
        updatedAt: DateTime,
      }),
    ),
  }),
]);

export const AdminVerificationDetail = Type.Intersect([
  AdminVerification,
  Type.Object({
    messages: Type.Array(AdminMessageDetail),
    checkList: Type.Array(
      Type.Object({
        at: DateTime,
        result: Type.String({ description: 'approved, wrong_code, or the error code it was refused with' }),
      }),
    ),
  }),
]);

export const AdminCustomer = Type.Object({
  id: Uuid,
  number: Type.Integer(),
  nameEn: Type.String(),
  nameAr: NullableString,
  email: Type.String(),
  phone: Type.String({ description: 'Masked' }),
  notes: NullableString,
  active: Type.Boolean(),
  emirateId: Type.Union([Type.Integer(), Type.Null()]),
  mobileCountryId: Type.Union([Type.Integer(), Type.Null()]),
  phoneVerified: Type.Boolean(),
  pendingPhone: NullableString,
  pendingVerificationId: Type.Union([Uuid, Type.Null()]),
  tenant: Type.String(),
  ownerClientCode: NullableString,
  createdAt: DateTime,
  updatedAt: DateTime,
});
export const CustomerPage = page(AdminCustomer);
export const ActiveBody = Type.Object({ active: Type.Boolean() }, { additionalProperties: false });
export const ClientPatchBody = Type.Object(
  {
    active: Type.Optional(Type.Boolean()),
    countries: Type.Optional(
      Type.Union(
        [
          Type.Array(Type.String({ pattern: '^(\\*|[A-Za-z]{2})$' }), { minItems: 1, maxItems: 250 }),
          Type.Null(),
        ],
        { description: 'ISO alpha-2 countries the client may text ("*" every one); null: SMS_COUNTRIES' },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AdminClient = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  tenant: Type.String(),
  active: Type.Boolean(),
  createdAt: Type.Optional(DateTime),
  updatedAt: Type.Optional(DateTime),
  countries: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  defaultCountries: Type.Optional(Type.Array(Type.String())),
  sentToday: Type.Optional(Type.Integer()),
  sendsPerDay: Type.Optional(Type.Integer()),
});
export const ClientPage = page(AdminClient);
export const NewClientBody = Type.Object(
  {
    code,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tenant: Type.Optional(code),
  },
  { additionalProperties: false },
);
export const ClientKeyReply = Type.Object({
  client: AdminClient,
  key: Type.String({ description: 'Shown this once: only its hash is kept' }),
});

const rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
  description: 'A fraction; null when there was nothing to divide',
});
const conversion = {
  started: Type.Integer(),
  approved: Type.Integer(),
  conversionRate: rate,
};
export const OverviewReply = Type.Object({
  from: DateTime,
  to: DateTime,
  bucketSeconds: Type.Number(),
  started: Type.Integer(),
  approved: Type.Integer(),
  conversionRate: rate,
  sends: Type.Integer(),
  handed: Type.Integer({ description: 'Messages a provider took or tried' }),
  delivered: Type.Integer(),
  deliveryRate: rate,
  costs: Type.Array(Type.Object({ currency: Type.String(), amount: Type.Number() })),
  series: Type.Array(
    Type.Object({ from: DateTime, started: Type.Integer(), approved: Type.Integer(), sends: Type.Integer() }),
  ),
  countries: Type.Array(Type.Object({ country: NullableString, ...conversion })),
  prefixes: Type.Array(Type.Object({ prefix: Type.String(), country: NullableString, ...conversion })),
});

export const BlockedPrefix = Type.Object({
  prefix: Type.String(),
  reason: Type.String(),
  source: Type.String(),
  figures: Type.Record(Type.String(), Type.Number()),
  blockedAt: DateTime,
  until: NullableDateTime,
});
export const BlockedPrefixPage = page(BlockedPrefix);
export const BlockBody = Type.Object(
  {
    prefix: Type.String({ pattern: '^\\+[0-9]{1,15}$', description: '+ and the digits, e.g. +88170' }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export const SafeListEntry = Type.Object({ prefix: Type.String(), note: NullableString, addedAt: DateTime });
export const SafeListPage = page(SafeListEntry);
export const SafeBody = Type.Object(
  {
    prefix: Type.String({ pattern: '^\\+[0-9]{1,15}$' }),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export const SecurityEvent = Type.Object({
  id: Type.String(),
  at: DateTime,
  type: Type.String(),
  subject: NullableString,
  clientCode: NullableString,
  tenant: NullableString,
  summary: Type.String(),
  figures: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()])),
});
export const SecurityEventPage = page(SecurityEvent);
