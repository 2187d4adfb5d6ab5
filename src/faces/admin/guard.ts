/**
 * Who may use the console's API: a live session (its cookie), and for a change, a request the console made.
 * The cookie is SameSite=Strict, so another site's page cannot send it; on top of that a mutating request
 * must carry the console's header (a cross-site form cannot set one, a cross-site script would need CORS,
 * which is never granted) and, when the browser names an Origin, this server's own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminSessions } from '../../domain/admin-sessions.js';
import { DomainError } from '../../domain/errors.js';

export const SESSION_COOKIE = 'otpgate_admin';
export const CONSOLE_HEADER = 'x-otpgate-console';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function refuseForeignRequests(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers[CONSOLE_HEADER] !== '1') throw new DomainError('admin_origin_refused');
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) {
    throw new DomainError('admin_origin_refused');
  }
}

export const sessionToken = (request: FastifyRequest): string | undefined => request.cookies[SESSION_COOKIE];

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  session: { token: string; ttlSeconds: number },
): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    // Behind TLS (directly or through a trusted proxy) the cookie never travels in clear.
    secure: request.protocol === 'https',
    path: '/admin',
    // Max-Age, not Expires: a browser whose clock is off still keeps the cookie for the session's length.
    maxAge: session.ttlSeconds,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/admin',
  });
}

export const requireSession = (sessions: AdminSessions) => async (request: FastifyRequest) => {
  await sessions.require(sessionToken(request));
};
