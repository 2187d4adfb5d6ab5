/** Vonage Verify v2 wire <-> domain: numbers without their +, and domain errors as Vonage's problem details. */
import { randomUUID } from 'node:crypto';
import type { DomainError } from '../../domain/errors.js';

const API_ERRORS = 'https://www.developer.vonage.com/api-errors';

interface ProblemKind {
  status: number;
  type: string;
  title: string;
  detail: string;
}

const NOT_FOUND: ProblemKind = {
  status: 404,
  type: `${API_ERRORS}#not-found`,
  title: 'Not Found',
  detail: 'Request was not found or it has been verified already.',
};
const THROTTLED: ProblemKind = {
  status: 429,
  type: `${API_ERRORS}#throttled`,
  title: 'Rate Limit Hit',
  detail: 'Please wait, then retry your request.',
};
const INVALID_PARAMS: ProblemKind = {
  status: 422,
  type: `${API_ERRORS}#invalid-params`,
  title: 'Invalid params',
  detail: 'The value of one or more parameters is invalid.',
};

/** Vonage's problems by the domain's error codes. */
const INTERNAL: ProblemKind = {
  status: 500,
  type: `${API_ERRORS}#internal-error`,
  title: 'Internal Error',
  detail: 'Something went wrong on our side.',
};

const PROBLEMS: Record<string, ProblemKind> = {
  unauthorized: {
    status: 401,
    type: `${API_ERRORS}#unauthorized`,
    title: 'Unauthorized',
    detail: 'You did not provide correct credentials.',
  },
  forbidden: { status: 403, type: `${API_ERRORS}#forbidden`, title: 'Forbidden', detail: 'Not allowed.' },
  // Added by the geo-permissions work; mapped by name so that it holds once both are merged.
  country_not_permitted: {
    status: 403,
    type: `${API_ERRORS}#forbidden`,
    title: 'Forbidden',
    detail: 'Sending to this destination is not permitted.',
  },
  invalid_code: {
    status: 400,
    type: `${API_ERRORS}/verify#invalid-code`,
    title: 'Invalid Code',
    detail: 'The code you provided does not match the expected value.',
  },
  invalid_json: {
    status: 400,
    type: `${API_ERRORS}#bad-request`,
    title: 'Bad Request',
    detail: 'The request body is not valid JSON.',
  },
  not_found: NOT_FOUND,
  verification_not_found: NOT_FOUND,
  verification_approved: NOT_FOUND,
  verification_canceled: NOT_FOUND,
  verification_expired: {
    status: 410,
    type: `${API_ERRORS}/verify#expired`,
    title: 'Gone',
    detail: 'The request has expired.',
  },
  max_attempts_reached: {
    status: 410,
    type: `${API_ERRORS}/verify#expired`,
    title: 'Gone',
    detail: 'An incorrect code has been provided too many times. Workflow terminated.',
  },
  verification_pending: {
    status: 409,
    type: `${API_ERRORS}/verify#conflict`,
    title: 'Conflict',
    detail: 'Concurrent verifications to the same number are not allowed.',
  },
  no_more_sends: {
    status: 409,
    type: `${API_ERRORS}/verify#conflict`,
    title: 'Conflict',
    detail: 'There are no more workflows left to move to.',
  },
  too_many_sends: THROTTLED,
  phone_locked: THROTTLED,
  rate_limited: THROTTLED,
  payload_too_large: {
    ...INVALID_PARAMS,
    status: 413,
    title: 'Payload Too Large',
    detail: 'The body is too large.',
  },
  unavailable: {
    status: 503,
    type: `${API_ERRORS}#service-unavailable`,
    title: 'Service Unavailable',
    detail: 'Please retry shortly.',
  },
  internal_error: INTERNAL,
};

/** Our field names (the domain's, the schemas' JSON pointers) -> Vonage's parameter names. */
const PARAMETER: Record<string, string> = {
  '/to': 'workflow[0].to',
  '/appHash': 'workflow[0].app_hash',
  '/codeLength': 'code_length',
  '/code': 'code',
};

function parameterName(field: string | undefined): string {
  if (field === undefined || field === '/' || field === '') return 'body';
  return (
    PARAMETER[field] ??
    field
      .slice(1)
      .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
      .replace(/\//g, '.')
  );
}

export function problemOf(error: DomainError): ProblemKind {
  return PROBLEMS[error.code as string] ?? (error.status >= 500 ? INTERNAL : INVALID_PARAMS);
}

export function problemBody(error: DomainError) {
  const { type, title } = problemOf(error);
  // An unauthorized request may be told what to use instead; other details are the invalid parameters.
  const detail =
    error.code === 'unauthorized'
      ? (error.details?.[0]?.problem ?? problemOf(error).detail)
      : problemOf(error).detail;
  const invalid =
    problemOf(error) === INVALID_PARAMS
      ? {
          invalid_parameters: (error.details ?? []).map((entry) => ({
            name: parameterName(entry.field),
            reason: entry.problem,
          })),
        }
      : {};
  return {
    type,
    title,
    detail,
    instance: randomUUID(),
    ...(error.resourceId === undefined ? {} : { request_id: error.resourceId }),
    ...invalid,
  };
}

/** Vonage writes numbers in E.164 without the +. */
export const e164Of = (to: string) => (/^\d+$/.test(to.trim()) ? `+${to.trim()}` : to);

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
