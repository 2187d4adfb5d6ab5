/**
 * Domain <-> the CUSTOMERS API: customers as CUSTOMERS rows, the reference tables in their
 * documented casing, and every outcome in the `{Status, Token, DATA}` envelope.
 */
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { RegisterCustomerInput } from '../../domain/customers.js';
import { ERRORS, type DomainError, type ErrorCode } from '../../domain/errors.js';
import type { Country, Customer, Emirate } from '../../domain/types.js';
import { CustomerBody } from './schemas.js';
import { detailFieldName } from '../detail-field.js';

export interface References {
  countries: readonly Country[];
  emirates: readonly Emirate[];
  countryById: ReadonlyMap<number, Country>;
  emirateById: ReadonlyMap<number, Emirate>;
}

export function references(list: { countries: Country[]; emirates: Emirate[] }): References {
  return {
    ...list,
    countryById: new Map(list.countries.map((country) => [country.id, country])),
    emirateById: new Map(list.emirates.map((emirate) => [emirate.id, emirate])),
  };
}

export const countryRow = (country: Country) => ({
  COUNTRY_ID: country.id,
  COUNTRY_NO: country.id,
  CALLING_CODE: country.callingCode,
  COUNTRY_NAME_AR: country.nameAr,
  COUNTRY_NAME_EN: country.nameEn,
  COUNTRY_CODE2: country.alpha2,
  COUNTRY_CODE3: country.alpha3,
});

export const emirateRow = (emirate: Emirate) => ({
  EMIRATE_ID: emirate.id,
  EMIRATE_NAME_AR: emirate.nameAr,
  EMIRATE_NAME_EN: emirate.nameEn,
});

/** The number as the API speaks it: national digits, with FK_MOBILE_COUNTRY the country they belong to. */
function nationalNumber(customer: Customer): string {
  try {
    return parsePhoneNumberWithError(customer.phone).nationalNumber;
  } catch {
    return customer.phone;
  }
}

/** A customer as a CUSTOMERS row; `nested` (foreigns=true) adds its country and emirate objects. */
export function customerRow(customer: Customer, nested: References | null) {
  const mobileNo = nationalNumber(customer);
  const countryId = customer.mobileCountryId;
  const country = countryId === null ? undefined : nested?.countryById.get(countryId);
  const emirate = customer.emirateId === null ? undefined : nested?.emirateById.get(customer.emirateId);
  return {
    CUSTOMER_ID: customer.number,
    CUSTOMER_ID_IMAGE: customer.id,
    CUSTOMER_NAME_AR: customer.nameAr,
    CUSTOMER_NAME_EN: customer.nameEn,
    FK_EMIRATE: customer.emirateId,
    EMAIL: customer.email,
    MOBILE_NO: mobileNo,
    // The documented samples echo the password; a real service returns none, in any form.
    LOGIN_PASSWORD: null,
    FK_MOBILE_COUNTRY: countryId,
    ACTIVE: customer.active,
    NOTES: customer.notes,
    // The legacy system's users, groups and deletion notices have no meaning in otpgate.
    LAST_NOTIFY_DELETE: null,
    FK_USER: null,
    FK_GROUP: null,
    COUNTRIES: country === undefined ? null : countryRow(country),
    EMIRATES: emirate === undefined ? null : emirateRow(emirate),
  };
}

/**
 * An application/x-www-form-urlencoded CUSTOMERS body as the object its JSON form would be, as
 * ASP.NET's form binding reads it: numbers and booleans converted where the schema has them, an
 * empty value read as null (absent). A value that does not convert stays a string, and a repeated
 * name a list, for the schema to refuse.
 */
export function customerBodyFromForm(text: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const before = fields[name];
    fields[name] = before === undefined ? value : [before, value].flat();
  }
  const typeOf = (name: string): unknown =>
    (CustomerBody.properties as Record<string, { type?: unknown } | undefined>)[name]?.type;
  const converted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === '') continue;
    const type = typeOf(name);
    if (typeof value === 'string' && type === 'integer' && /^-?\d{1,15}$/.test(value)) {
      converted[name] = Number(value);
    } else if (typeof value === 'string' && type === 'boolean' && /^(?:true|false)$/i.test(value)) {
      converted[name] = value.toLowerCase() === 'true';
    } else {
      converted[name] = value;
    }
  }
  return converted;
}

/** The posted CUSTOMERS object as a registration (a national MOBILE_NO is read in FK_MOBILE_COUNTRY's country). */
export function registerInput(body: CustomerBody): RegisterCustomerInput {
  return {
    nameEn: body.CUSTOMER_NAME_EN,
    nameAr: body.CUSTOMER_NAME_AR ?? null,
    email: body.EMAIL,
    phone: body.MOBILE_NO,
    password: body.LOGIN_PASSWORD,
    notes: body.NOTES ?? null,
    active: body.ACTIVE ?? true,
    emirateId: body.FK_EMIRATE ?? null,
    mobileCountryId: body.FK_MOBILE_COUNTRY ?? null,
  };
}

const DONE = {
  customer_added: {
    en: 'The customer was added and an OTP was sent by SMS.',
    ar: 'تمت إضافة العميل وإرسال رمز التحقق برسالة نصية.',
  },
  otp_sent: { en: 'An OTP was sent by SMS.', ar: 'تم إرسال رمز التحقق برسالة نصية.' },
  otp_verified: { en: 'The mobile number is verified.', ar: 'تم التحقق من رقم الجوال.' },
  listed: { en: 'Done.', ar: 'تم.' },
} as const;

export function succeeded(outcome: keyof typeof DONE) {
  return {
    Success: true,
    MessageEn: DONE[outcome].en,
    MessageAr: DONE[outcome].ar,
    DetailedMessage: '',
    Code: 0,
    CartErrors: [],
  };
}

/** Our field names (domain and validation details) -> the API's, for messages that name the field. */
const WIRE_FIELD: Record<string, string> = {
  nameEn: 'CUSTOMER_NAME_EN',
  nameAr: 'CUSTOMER_NAME_AR',
  email: 'EMAIL',
  phone: 'MOBILE_NO',
  password: 'LOGIN_PASSWORD',
  notes: 'NOTES',
  mobileCountryId: 'FK_MOBILE_COUNTRY',
  emirateId: 'FK_EMIRATE',
  code: 'OTP',
  '': 'body',
};

/** The field a refusal is about when its details name none. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  email_taken: 'EMAIL',
  phone_taken: 'MOBILE_NO',
  code_incorrect: 'OTP',
  verification_not_found: 'Token',
  verification_expired: 'Token',
  verification_approved: 'Token',
  verification_canceled: 'Token',
  max_attempts_reached: 'Token',
  customer_not_found: 'CUSTOMERId',
};

function wireField(field: string): string {
  const name = detailFieldName(field);
  return WIRE_FIELD[name] ?? name;
}

/**
 * HTTP status of a refusal. The envelope's Success flag is how this API says no, and its .NET
 * clients treat any non-2xx as a transport failure: refusals of the request's content (invalid
 * field, unknown customer, wrong or spent code...) answer 200 with Success false. Only what the
 * HTTP layer refuses keeps its status (401 key, 413 size, 415 media type, 429 throttling, 5xx), in
 * the same envelope.
 */
export function refusalStatus(error: DomainError): number {
  return [401, 413, 415, 429].includes(error.status) || error.status >= 500 ? error.status : 200;
}

export function refusalBody(error: DomainError) {
  const problems = (error.details ?? []).map((detail) => ({
    field: detail.field === undefined ? undefined : wireField(detail.field),
    problem: detail.problem,
  }));
  const fields = [...new Set(problems.flatMap((p) => (p.field === undefined ? [] : [p.field])))];
  if (fields.length === 0 && FIELD_OF[error.code] !== undefined) fields.push(FIELD_OF[error.code] ?? '');
  const { en, ar } = ERRORS[error.code];
  const named = (message: string) => (fields.length === 0 ? message : `${message} (${fields.join(', ')})`);
  return {
    Status: {
      Success: false,
      MessageEn: named(en),
      MessageAr: named(ar),
      DetailedMessage: [
        error.code,
        ...problems.map((p) => (p.field === undefined ? p.problem : `${p.field}: ${p.problem}`)),
      ].join('; '),
      Code: error.status,
      CartErrors: [],
    },
    Token: null,
    DATA: [],
  };
}
