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

/** HTTP Basic credentials (RFC 7617): the user-id before the first colon, the password after it. */
export function basicCredentials(
  request: FastifyRequest,
): { username: string; password: string } | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * A hook that admits only requests whose Basic password is an active client's key and whose username names
 * that same client (as `names` reads it: the vendor faces' account SID or API key).
 */
export function requireBasicClient(
  clients: Clients,
  clientLimiter: Limiter,
  names: (client: ApiClient, username: string) => boolean,
) {
  return async (request: FastifyRequest): Promise<void> => {
    const credentials = basicCredentials(request);
    const client = credentials === undefined ? undefined : await clients.authenticate(credentials.password);
    if (client === undefined || credentials === undefined || !names(client, credentials.username)) {
      throw new DomainError('unauthorized');
    }
    await clientLimiter.consume(client.id);
    request.client = client;
  };
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
