/** Bitel wire <-> domain: the fixed OTP template, the status table, the reply and error shapes. */
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { DomainError, errorMessage, type Language } from '../../domain/errors.js';
import { countryOf } from '../../domain/phones.js';
import type { MessageStatus, SmsMessage } from '../../domain/types.js';

/** Bitel's documented template, exactly (its spaces included): only the app name and the code vary. */
export const OTP_TEMPLATE = 'به {appName} خوش آمدید\n کد یکبار مصرف  شما: {code}';

export function renderOtpText(appName: string, code: string): string {
  // One pass, so an app name that contains "{code}" stays text.
  return OTP_TEMPLATE.replace(/\{(appName|code)\}/g, (_, name: string) =>
    name === 'appName' ? appName : code,
  );
}

/** The delivery lifecycle as Bitel numbers it: a message still in our outbox is Waiting. */
export const BITEL_STATUS: Record<MessageStatus, { status: number; statusText: string }> = {
  queued: { status: 0, statusText: 'Waiting' },
  sending: { status: 0, statusText: 'Waiting' },
  sent: { status: 1, statusText: 'Sent' },
  delivered: { status: 2, statusText: 'Delivered' },
  undelivered: { status: 3, statusText: 'Undelivered' },
  failed: { status: 4, statusText: 'Failed' },
};

/** Refusals by HTTP status; Bitel documents only InvalidRequest, the others follow its naming. */
const BITEL_ERROR_CODES: Record<number, string> = {
  400: 'InvalidRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'InvalidRequest',
  415: 'InvalidRequest',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

export interface OtpRequest {
  phoneNumber: string;
  appName: string;
  code: string;
}

/** The request's three fields, from either documented casing; a missing or doubly given field is invalid. */
export function otpRequestOf(body: {
  PhoneNumber?: string;
  phoneNumber?: string;
  AppName?: string;
  appName?: string;
  Code?: string;
  code?: string;
}): OtpRequest {
  const problems: { field: string; problem: string }[] = [];
  const field = (pascal: string | undefined, camel: string | undefined, name: string): string => {
    if (pascal !== undefined && camel !== undefined && pascal !== camel) {
      problems.push({ field: `/${name}`, problem: 'is given twice, with different values' });
    } else if (pascal === undefined && camel === undefined) {
      problems.push({ field: `/${name}`, problem: 'is required' });
    }
    return pascal ?? camel ?? '';
  };
  const request = {
    phoneNumber: field(body.PhoneNumber, body.phoneNumber, 'PhoneNumber'),
    appName: field(body.AppName, body.appName, 'AppName'),
    code: field(body.Code, body.code, 'Code'),
  };
  if (problems.length > 0) throw new DomainError('invalid_request', { details: problems });
  return request;
}

/** Bitel's sample masks "0912*******": the first 4 characters, Iranian numbers in their national form. */
export function maskedPhoneNumber(e164: string): string {
  const shown = countryOf(e164) === 'IR' ? `0${parsePhoneNumberWithError(e164).nationalNumber}` : e164;
  return shown.slice(0, 4) + '*'.repeat(Math.max(0, shown.length - 4));
}

/** Our UUID without its dashes, as Bitel's ids look. */
export const bitelId = (messageId: string) => messageId.replace(/-/g, '').toLowerCase();
export const messageIdOf = (id: string) =>
  id.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

export function smsResult(message: SmsMessage, gatewayNumber: string) {
  const lifecycle = BITEL_STATUS[message.status];
  return {
    id: bitelId(message.id),
    gatewayNumber,
    phoneNumber: maskedPhoneNumber(message.to),
    // The preview: the code the client chose is not echoed back.
    message: message.preview,
    requestDate: Math.floor(message.createdAt.getTime() / 1000),
    ...lifecycle,
    partCount: message.parts,
    // Bitel: "price is 0 because the message is waiting"; the parts are known from the text already.
    price: lifecycle.status === BITEL_STATUS.queued.status ? 0 : (message.price ?? 0),
  };
}

/** The domain's names for the request's fields -> Bitel's. */
const WIRE_FIELD: Record<string, string> = { '/to': '/PhoneNumber', '/code': '/Code' };

export function refusalBody(error: DomainError, language: Language) {
  const details = (error.details ?? []).map((detail) => {
    const field = detail.field === undefined ? '' : (WIRE_FIELD[detail.field] ?? detail.field);
    return `${field} ${detail.problem}`.trim();
  });
  return {
    result: null,
    error: {
      code: BITEL_ERROR_CODES[error.status] ?? 'InternalError',
      message: [errorMessage(error.code, language), ...details].join(' '),
    },
  };
}
