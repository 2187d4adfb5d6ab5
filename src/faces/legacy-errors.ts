/**
 * How every legacy face refuses: the error is logged and translated to a DomainError (http/errors.ts),
 * Retry-After is set when the refusal says when to come back, and the face picks the status and
 * writes the body in its own envelope.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError } from '../domain/errors.js';
import { logAndTranslate } from '../http/errors.js';

export type RefusalStatus = (error: DomainError) => number;
export type RefusalBody = (error: DomainError, request: FastifyRequest) => unknown;

/** The domain's status, for faces whose envelope does not change it. */
export const domainStatus: RefusalStatus = (error) => error.status;

/** Sends a refusal in a face's envelope (also for answers that are not a thrown error, such as a 404). */
export function sendRefusal(
  error: DomainError,
  request: FastifyRequest,
  reply: FastifyReply,
  toStatus: RefusalStatus,
  toBody: RefusalBody,
): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.status(toStatus(error)).send(toBody(error, request));
}

/** A face's error handler: `app.setErrorHandler(legacyErrorHandler(refusalStatus, refusalBody))`. */
export function legacyErrorHandler(toStatus: RefusalStatus, toBody: RefusalBody) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    sendRefusal(logAndTranslate(error, request), request, reply, toStatus, toBody);
}
