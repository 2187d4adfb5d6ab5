/** API-client authentication (`Authorization: Bearer <key>`) and the per-client rate limit. */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { Clients } from '../domain/clients.js';
import type { ApiClient } from '../domain/types.js';
import type { Limiter } from '../limits/rate-limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API client; null on routes that need none. */
    client: ApiClient | null;
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
