/** API-client authentication (`Authorization: Bearer <key>`) and the per-client rate limit. */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { Clients } from '../domain/clients.js';
import type { ApiClient, Caller } from '../domain/types.js';
import type { Limiter } from '../limits/rate-limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API client; null on routes that need none. */
    client: ApiClient | null;
    /** The tenant a request without a client acts in (FACES_WITHOUT_AUTH_TENANT). */
    tenantWithoutAuth: string;
  }
}

export function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** A preHandler that admits only requests carrying an active client's key. */
export function requireClient(clients: Clients, clientLimiter: Limiter) {
  return async (request: FastifyRequest): Promise<void> => {
    const key = bearerKey(request);
    const client = key === undefined ? undefined : await clients.authenticate(key);
    if (client === undefined) throw new DomainError('unauthorized');
    await clientLimiter.consume(client.id);
    request.client = client;
  };
}

/** Who asks: the authenticated client and its tenant, or (a face without authentication) no client. */
export function callerOf(request: FastifyRequest): Caller {
  const { client } = request;
  return client === null
    ? { clientId: null, tenant: request.tenantWithoutAuth, ip: request.ip }
    : {
        clientId: client.id,
        tenant: client.tenant,
        ip: request.ip,
        smsCountries: client.smsCountries ?? null,
      };
}
