/**
 * Twilio Verify v2 wire <-> domain: sids (VA/VE/VL + 32 hex digits of our ids), snake_case resources with
 * Twilio's dates, its paging shape, and domain errors as Twilio's `{code, message, more_info, status}`.
 */
import { createHash } from 'node:crypto';
import type { DomainError } from '../../domain/errors.js';
import type { Verification, VerificationSend, VerifyService } from '../../domain/types.js';

const hex = (uuid: string) => uuid.replace(/-/g, '').toLowerCase();
const uuidOf = (digits: string) =>
  digits.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

export const serviceSid = (id: string) => `VA${hex(id)}`;
export const verificationSid = (id: string) => `VE${hex(id)}`;

/** Our id from a sid of the given prefix; undefined when it is not one (it then names nothing: 20404). */
export function idOfSid(prefix: 'VA' | 'VE' | 'PA', sid: string): string | undefined {
  const match = new RegExp(`^${prefix}([0-9a-fA-F]{32})$`).exec(sid);
  return match?.[1] === undefined ? undefined : uuidOf(match[1]);
}

/** Twilio's v2 timestamps: ISO 8601 to the second. */
const twilioDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** An attempt's sid: its message's id, or (a test number's send, no message) one derived from the verification. */
function attemptSid(verificationId: string, send: VerificationSend, index: number): string {
  if (send.messageId !== null) return `VL${hex(send.messageId)}`;
  return `VL${createHash('sha256').update(`${verificationId}:${index}`).digest('hex').slice(0, 32)}`;
}

export function serviceToWire(service: VerifyService, accountSid: string, origin: string) {
  const url = `${origin}/v2/Services/${serviceSid(service.id)}`;
  return {
    sid: serviceSid(service.id),
    account_sid: accountSid,
    friendly_name: service.friendlyName,
    code_length: service.codeLength ?? null,
    lookup_enabled: false,
    psd2_enabled: false,
    skip_sms_to_landlines: false,
    dtmf_input_required: false,
    tts_name: null,
    do_not_share_warning_enabled: false,
    custom_code_enabled: service.customCodeEnabled,
    default_template_sid: null,
    verify_event_subscription_enabled: false,
    date_created: twilioDate(service.createdAt),
    date_updated: twilioDate(service.updatedAt),
    url,
    links: {
      verifications: `${url}/Verifications`,
      verification_checks: `${url}/VerificationCheck`,
    },
  };
}

/** What a verification and a check of it both say. */
function verificationFields(verification: Verification, service: VerifyService, accountSid: string) {
  return {
    sid: verificationSid(verification.id),
    service_sid: serviceSid(service.id),
    account_sid: accountSid,
    to: verification.to,
    channel: verification.channel,
    status: verification.status,
    valid: verification.status === 'approved',
    amount: null,
    payee: null,
    date_created: twilioDate(verification.createdAt),
    date_updated: twilioDate(verification.updatedAt),
  };
}

export function verificationToWire(
  verification: Verification,
  service: VerifyService,
  accountSid: string,
  origin: string,
) {
  const fields = verificationFields(verification, service, accountSid);
  return {
    ...fields,
    lookup: {},
    send_code_attempts: verification.sends.map((send, index) => ({
      attempt_sid: attemptSid(verification.id, send, index),
      // A test number's "send" reads as the channel asked for, as Twilio's test credentials answer.
      channel: send.channel === 'test' ? verification.channel : send.channel,
      time: twilioDate(send.at),
    })),
    sna: null,
    url: `${origin}/v2/Services/${fields.service_sid}/Verifications/${fields.sid}`,
  };
}

export function checkToWire(verification: Verification, service: VerifyService, accountSid: string) {
  return { ...verificationFields(verification, service, accountSid), sna_attempts_error_codes: [] };
}

/** Twilio v2's list shape: the records under `meta.key`, the next page as an absolute URL with its token. */
export function servicePage(
  page: { services: VerifyService[]; next: string | null },
  query: { pageSize: number; page: number },
  accountSid: string,
  origin: string,
) {
  const base = `${origin}/v2/Services?PageSize=${query.pageSize}`;
  return {
    services: page.services.map((service) => serviceToWire(service, accountSid, origin)),
    meta: {
      page: query.page,
      page_size: query.pageSize,
      first_page_url: `${base}&Page=0`,
      previous_page_url: null,
      url: `${base}&Page=${query.page}`,
      next_page_url:
        page.next === null ? null : `${base}&Page=${query.page + 1}&PageToken=PA${hex(page.next)}`,
      key: 'services' as const,
    },
  };
}

const NOT_FOUND = { code: 20404, status: 404, message: 'The requested resource was not found' };
const CHECKS_SPENT = { code: 60202, status: 429, message: 'Max check attempts reached' };

/** Twilio's error codes (twilio.com/docs/api/errors) by the domain's; 20404 for anything not (or no longer) there. */
const TWILIO_ERRORS: Record<string, { code: number; status: number; message: string }> = {
  unauthorized: { code: 20003, status: 401, message: 'Authenticate' },
  forbidden: { code: 20403, status: 403, message: 'Forbidden' },
  not_found: NOT_FOUND,
  service_not_found: NOT_FOUND,
  verification_not_found: NOT_FOUND,
  verification_expired: NOT_FOUND,
  verification_approved: NOT_FOUND,
  verification_canceled: NOT_FOUND,
  max_attempts_reached: CHECKS_SPENT,
  phone_locked: CHECKS_SPENT,
  too_many_sends: { code: 60203, status: 429, message: 'Max send attempts reached' },
  rate_limited: { code: 20429, status: 429, message: 'Too Many Requests' },
  custom_code_not_allowed: {
    code: 60200,
    status: 400,
    message: 'Invalid parameter: CustomCode (custom codes are not enabled on this service)',
  },
  // Added by the geo-permissions work; mapped by name so that it holds once both are merged.
  country_not_permitted: {
    code: 60605,
    status: 403,
    message: 'Verification delivery attempt blocked by geo permissions',
  },
  verification_pending: { code: 60200, status: 409, message: 'A verification is pending' },
  no_more_sends: { code: 60200, status: 409, message: 'No further send is possible' },
  unavailable: { code: 20503, status: 503, message: 'Service Unavailable' },
  internal_error: { code: 20500, status: 500, message: 'Internal Server Error' },
};

/** Our request field names (the domain's and the schemas') -> Twilio's parameter names. */
const TWILIO_PARAMETER: Record<string, string> = {
  '/to': 'To',
  '/code': 'Code',
  '/codeLength': 'CodeLength',
  '/friendlyName': 'FriendlyName',
  '/appHash': 'AppHash',
};

/** A missing To and VerificationSid on a check: a code of its own (the issue's table). */
export const MISSING_TO_OR_SID = 'neither To nor VerificationSid';

function invalidParameterMessage(error: DomainError): string {
  const detail = error.details?.[0];
  if (detail === undefined) return 'Invalid parameter';
  const field = detail.field === undefined ? '' : (TWILIO_PARAMETER[detail.field] ?? detail.field.slice(1));
  return field === ''
    ? `Invalid parameter: ${detail.problem}`
    : `Invalid parameter: ${field} ${detail.problem}`;
}

export function refusalOf(error: DomainError): { code: number; status: number; message: string } {
  const known = TWILIO_ERRORS[error.code as string];
  if (known !== undefined) return known;
  if (error.details?.some((detail) => detail.problem === MISSING_TO_OR_SID)) {
    return { code: 60221, status: 400, message: 'Missing parameter: To or VerificationSid is required' };
  }
  // Every other refusal is a request Twilio would call invalid: 60200 at the domain's 4xx status.
  const status = error.status >= 400 && error.status < 500 ? error.status : 400;
  return { code: 60200, status: status === 422 ? 400 : status, message: invalidParameterMessage(error) };
}

export function refusalBody(error: DomainError) {
  const { code, status, message } = refusalOf(error);
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}
