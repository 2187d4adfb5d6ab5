/**
 * Refusals the HTTP edge sees whole (a limit hit before any domain call, a signature or password refused) as
 * security events, with who asked: the client when known, and the address. At most one a minute per kind,
 * address and client on each node, so a flood writes one row, not one per request.
 */
import type { FastifyRequest } from 'fastify';
import type { DomainError, ErrorCode } from '../domain/errors.js';
import type { SecurityEventType } from '../domain/ports.js';
import type { SecurityEvents } from '../domain/security-events.js';

const EVENT_OF: Partial<Record<ErrorCode, SecurityEventType>> = {
  rate_limited: 'limit_hit',
  signature_invalid: 'signature_refused',
  request_stale: 'signature_refused',
  request_replayed: 'signature_refused',
  wrong_password: 'password_refused',
  password_locked: 'password_refused',
};

export function recordRefusals(events: SecurityEvents) {
  return (refusal: DomainError, request: FastifyRequest): void => {
    const type = EVENT_OF[refusal.code];
    if (type === undefined) return;
    const { client } = request;
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    events.detached(
      {
        type,
        tenant: client?.tenant ?? null,
        clientId: client?.id ?? null,
        ip: request.ip,
        subject: route,
        summary: `${refusal.code} on ${route} from ${request.ip}${client ? ` (client ${client.code})` : ''}`,
        figures: {
          code: refusal.code,
          ...(refusal.retryAfterSeconds === undefined
            ? {}
            : { retryAfterSeconds: refusal.retryAfterSeconds }),
        },
      },
      `${type}|${refusal.code}|${request.ip}|${client?.id ?? ''}`,
    );
  };
}
