/**
 * Domain <-> menu.app v5: a customer as `customer_account`, in `{status, code, data}`, and a refusal
 * in the same envelope: `{status: "ERROR", code, message, error_code, errors}`. status and code are
 * what a client of the success envelope already reads; `errors` lists the problems by field, as
 * Laravel-style APIs like this one answer validation failures.
 */
import { ERRORS, type DomainError, type ErrorCode, type Language } from '../../domain/errors.js';
import type { Customer } from '../../domain/types.js';
import { detailFieldName } from '../detail-field.js';

/** otpgate keeps no opt-ins: the value the documented sample shows for an account that gave none. */
const OPTIN_STATUS_NOT_SET = 3;
/** menu.app's type of a customer account (the only type there is in the documentation). */
const CUSTOMER_ACCOUNT_TYPE = 1;
const STATE_ACTIVE = 1;
const STATE_INACTIVE = 0;

const timestamp = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

export function customerAccount(customer: Customer) {
  const space = customer.nameEn.indexOf(' ');
  return {
    id: customer.id,
    type_id: CUSTOMER_ACCOUNT_TYPE,
    reference_type: 'CustomerAccount' as const,
    first_name: space < 0 ? customer.nameEn : customer.nameEn.slice(0, space),
    last_name: space < 0 ? '' : customer.nameEn.slice(space + 1),
    email: customer.email,
    phone_number: customer.phone,
    // otpgate keeps no language per customer; SMS texts follow each request's Accept-Language.
    locale: 'en',
    state: customer.active ? STATE_ACTIVE : STATE_INACTIVE,
    demographics: [],
    optin_status_email: OPTIN_STATUS_NOT_SET,
    optin_status_pn: OPTIN_STATUS_NOT_SET,
    has_pending_email_change: false,
    has_pending_phone_number_change: customer.pendingPhone !== null,
    is_social: false,
    social_login: null,
    updated_at: timestamp(customer.updatedAt),
    created_at: timestamp(customer.createdAt),
    confirmed: customer.phoneVerified,
  };
}

export function accountReply(customer: Customer) {
  return { status: 'OK' as const, code: 200 as const, data: { customer_account: customerAccount(customer) } };
}

/** Our names for fields (domain and validation details) -> menu.app's. */
const WIRE_FIELD: Record<string, string> = {
  newPhone: 'phone_number',
  code: 'confirmation_code',
  'x-request-id': 'X-Request-ID',
  application: 'Application',
  'api-version': 'API-version',
  '': 'body',
};

/** The field a refusal is about when its details name none. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  code_incorrect: 'confirmation_code',
  verification_expired: 'confirmation_code',
  verification_approved: 'confirmation_code',
  verification_canceled: 'confirmation_code',
  max_attempts_reached: 'confirmation_code',
  no_pending_phone_change: 'confirmation_code',
  phone_taken: 'phone_number',
  phone_unchanged: 'phone_number',
  request_id_reused: 'X-Request-ID',
  request_in_progress: 'X-Request-ID',
  forbidden: 'Application',
};

function wireField(field: string): string {
  const name = detailFieldName(field);
  return WIRE_FIELD[name] ?? name;
}

const aboutHeaders = (error: DomainError) =>
  (error.details ?? []).some((detail) => detail.field?.startsWith('headers:'));

/**
 * HTTP status of a refusal, also its `code`: the domain's, except that refused body or path values
 * answer 422 (Laravel's validation status), while bad headers and unparsable JSON stay 400.
 */
export function refusalStatus(error: DomainError): number {
  const invalidValue = error.status === 400 && error.code !== 'invalid_json' && !aboutHeaders(error);
  return invalidValue ? 422 : error.status;
}

export function refusalBody(error: DomainError, language: Language) {
  const message = ERRORS[error.code][language];
  const errors: Record<string, string[]> = {};
  for (const detail of error.details ?? []) {
    const field = detail.field === undefined ? (FIELD_OF[error.code] ?? 'request') : wireField(detail.field);
    (errors[field] ??= []).push(detail.problem);
  }
  const field = FIELD_OF[error.code];
  if (Object.keys(errors).length === 0 && field !== undefined) errors[field] = [message];
  return { status: 'ERROR' as const, code: refusalStatus(error), message, error_code: error.code, errors };
}
