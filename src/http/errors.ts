/**
 * One error shape for the native API, `{error: {code, message, details?}}`, and the translation of
 * every error Fastify or the domain raises into it. 5xx replies carry a generic message; the
 * details stay in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, errorMessage, type ErrorDetail, type Language } from '../domain/errors.js';
import { databaseFault } from '../store/errors.js';

/** About one connect timeout: by then the pool has tried the database again. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export function languageOf(request: FastifyRequest): Language {
  const header = request.headers['accept-language'];
  return typeof header === 'string' && /^\s*ar\b/i.test(header) ? 'ar' : 'en';
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function validationDetails(errors: AjvError[], context: string | undefined): ErrorDetail[] {
  return errors.map((error) => {
    const params = error.params ?? {};
    let field = error.instancePath ?? '';
    let problem = error.message ?? 'is not valid';
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      field = `${field}/${params.missingProperty}`;
      problem = 'is required';
    } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      field = `${field}/${params.additionalProperty}`;
      problem = 'is not a known field';
    }
    return {
      field: context === 'body' || context === undefined ? field || '/' : `${context}:${field}`,
      problem,
    };
  });
}

/**
 * Any thrown value -> the DomainError it means: a database that cannot be reached or answer in time is
 * `unavailable` (503, retry soon), other unknown errors are internal_error.
 */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (databaseFault(error) !== undefined) {
    return new DomainError('unavailable', { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS });
  }
  const fastifyError = error as Partial<FastifyError> & {
    validation?: AjvError[];
    validationContext?: string;
  };
  if (Array.isArray(fastifyError.validation)) {
    return new DomainError('invalid_request', {
      details: validationDetails(fastifyError.validation, fastifyError.validationContext),
    });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError('unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new DomainError('invalid_json');
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 400 && error instanceof SyntaxError) return new DomainError('invalid_json');
  if (status === 404) return new DomainError('not_found');
  if (status === 429) return new DomainError('rate_limited');
  if (status >= 400 && status < 500) return new DomainError('invalid_request');
  return new DomainError('internal_error');
}

export function errorBody(error: DomainError, language: Language) {
  return {
    error: {
      code: error.code,
      message: errorMessage(error.code, language),
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** Logs what the client must not see, sets Retry-After, and answers in the native shape. */
export function sendNativeError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const domainError = logAndTranslate(error, request);
  if (domainError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(domainError.retryAfterSeconds));
  return reply.status(domainError.status).send(errorBody(domainError, languageOf(request)));
}

export function logAndTranslate(error: unknown, request: FastifyRequest): DomainError {
  const domainError = toDomainError(error);
  const fault = databaseFault(error);
  // An outage fails every request the same way: one line each says so, a stack trace each would bury the log.
  if (fault !== undefined) request.log.warn({ errorCode: domainError.code, fault }, 'database unavailable');
  else if (domainError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ errorCode: domainError.code }, 'request refused');
  return domainError;
}
