/**
 * The CUSTOMERS API's wire schemas, in its documented casing: the CUSTOMERS body, the query strings
 * and the `{Status, Token, DATA}` envelope. They validate requests and produce the OpenAPI document.
 */
import { Type, type Static } from 'typebox';
import { CUSTOMER_LIMITS } from '../../domain/customers.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const Guid = Type.String({ format: 'uuid' });

/** The documented paths (under /api), matched in any case as ASP.NET routing does (see api-not-found.ts). */
export const CUSTOMERS_PATHS = {
  insert: '/CUSTOMERS',
  sendOtp: '/CUSTOMERS/SEND_OTP',
  verifyOtp: '/CUSTOMERS/VERIFY_OTP',
  countries: '/COUNTRIES',
  emirates: '/EMIRATES',
} as const;

/** The documented limit of MOBILE_NO ("String length: inclusive between 0 and 50"). */
const MOBILE_NO_MAX = 50;

// ASP.NET binds booleans case-insensitively; an empty value (`foreigns=`) means the default, false.
const Foreigns = Type.Optional(
  Type.String({
    pattern: '^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])?$',
    description: 'true: include the nested COUNTRIES and EMIRATES objects (default false)',
  }),
);
const CustomerId = Type.String({ pattern: '^[0-9]{1,10}$', description: 'The CUSTOMER_ID value' });

export const InsertQuery = Type.Object({ foreigns: Foreigns });
export const SendOtpQuery = Type.Object({ CUSTOMERId: CustomerId, foreigns: Foreigns });
export const VerifyOtpQuery = Type.Object({
  CUSTOMERId: CustomerId,
  Token: Type.String({ format: 'uuid', description: 'The Token of the SMS that carried the OTP' }),
  OTP: Type.String({ minLength: 1, maxLength: 10, description: 'The code the customer received' }),
  foreigns: Foreigns,
});

/**
 * The CUSTOMERS object a client posts. ASP.NET [Required] refuses empty strings, hence minLength 1.
 * Unknown members are ignored, as ASP.NET's JSON binding does; nulls are read as absent (routes.ts).
 */
export const CustomerBody = Type.Object({
  CUSTOMER_NAME_EN: Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.nameEn }),
  CUSTOMER_NAME_AR: Type.Optional(Type.String({ maxLength: CUSTOMER_LIMITS.nameAr })),
  EMAIL: Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.email }),
  MOBILE_NO: Type.String({ minLength: 1, maxLength: MOBILE_NO_MAX, description: 'National number' }),
  LOGIN_PASSWORD: Type.String({ minLength: 1, maxLength: CUSTOMER_LIMITS.password }),
  FK_MOBILE_COUNTRY: Type.Optional(
    Type.Integer({ description: 'COUNTRY_ID (ISO 3166 numeric) of the country MOBILE_NO belongs to' }),
  ),
  FK_EMIRATE: Type.Optional(Type.Integer()),
  ACTIVE: Type.Optional(Type.Boolean()),
  NOTES: Type.Optional(Type.String({ maxLength: CUSTOMER_LIMITS.notes })),
  // Assigned by the server, or without meaning here: accepted because the documented sample sends them.
  CUSTOMER_ID: Type.Optional(Type.Integer()),
  CUSTOMER_ID_IMAGE: Type.Optional(Type.String()),
  LAST_NOTIFY_DELETE: Type.Optional(Type.String()),
  FK_USER: Type.Optional(Type.Integer()),
  FK_GROUP: Type.Optional(Type.Integer()),
  COUNTRIES: Type.Optional(Type.Object({})),
  EMIRATES: Type.Optional(Type.Object({})),
});
export type CustomerBody = Static<typeof CustomerBody>;

export const CountryRow = Type.Object({
  COUNTRY_ID: Type.Integer({ description: 'ISO 3166 numeric code' }),
  COUNTRY_NO: Type.Integer({ description: 'ISO 3166 numeric code, as COUNTRY_ID' }),
  CALLING_CODE: Type.String(),
  COUNTRY_NAME_AR: Type.String(),
  COUNTRY_NAME_EN: Type.String(),
  COUNTRY_CODE2: Type.String(),
  COUNTRY_CODE3: Type.String(),
});

export const EmirateRow = Type.Object({
  EMIRATE_ID: Type.Integer(),
  EMIRATE_NAME_AR: Type.String(),
  EMIRATE_NAME_EN: Type.String(),
});

export const CustomerRow = Type.Object({
  CUSTOMER_ID: Type.Integer(),
  CUSTOMER_ID_IMAGE: Guid,
  CUSTOMER_NAME_AR: NullableString,
  CUSTOMER_NAME_EN: Type.String(),
  FK_EMIRATE: NullableInteger,
  EMAIL: Type.String(),
  MOBILE_NO: Type.String({ description: 'National number in the country FK_MOBILE_COUNTRY' }),
  LOGIN_PASSWORD: Type.Null({ description: 'Never returned' }),
  FK_MOBILE_COUNTRY: NullableInteger,
  ACTIVE: Type.Boolean(),
  NOTES: NullableString,
  LAST_NOTIFY_DELETE: Type.Null({ description: 'Not kept by otpgate' }),
  FK_USER: Type.Null({ description: 'Not kept by otpgate' }),
  FK_GROUP: Type.Null({ description: 'Not kept by otpgate' }),
  COUNTRIES: Type.Union([CountryRow, Type.Null()]),
  EMIRATES: Type.Union([EmirateRow, Type.Null()]),
});

const CartError = Type.Object({
  ResultStatusCode: Type.Integer(),
  CartId: Type.Integer(),
  CorrectValue: Type.Object({}),
  MessageEn: Type.String(),
  MessageAr: Type.String(),
  CartCorrectAction: Type.Integer(),
});

export const Status = Type.Object({
  Success: Type.Boolean(),
  MessageEn: Type.String(),
  MessageAr: Type.String(),
  DetailedMessage: Type.String({ description: 'The stable error code and the problem of each field' }),
  Code: Type.Integer({ description: '0 on success, else the HTTP status the refusal stands for' }),
  CartErrors: Type.Array(CartError, { description: 'Always empty: otpgate has no carts' }),
});

export const SmsReply = Type.Object({
  Status,
  Token: Type.Union([Guid, Type.Null()], { description: 'The SMS token; valid 10 minutes' }),
  DATA: Type.Array(CustomerRow),
});

export const CountriesReply = Type.Object({ Status, DATA: Type.Array(CountryRow) });
export const EmiratesReply = Type.Object({ Status, DATA: Type.Array(EmirateRow) });
