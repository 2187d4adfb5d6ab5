/**
 * Signing in to the operator console: the operator's ADMIN_KEY is exchanged for a session token (the cookie
 * carries it; the database keeps only its hash). The key is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminSessionStore } from './admin-ports.js';
import { DomainError } from './errors.js';
import type { Clock } from './ports.js';

/** A bearer secret typed by a person: shorter ones are guessable (the issue asks for at least 24). */
export const ADMIN_KEY_MIN_LENGTH = 24;

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface AdminSessionPolicy {
  /** How long a session lasts from sign-in; the operator signs in again after. */
  ttlSeconds: number;
}

export function createAdminSessions(deps: {
  adminKey: string;
  store: AdminSessionStore;
  clock: Clock;
  policy: AdminSessionPolicy;
}) {
  const keyDigest = sha256(deps.adminKey);
  const tokenHash = (token: string) => sha256(token).toString('hex');

  return {
    /** A new session for the right key; admin_key_invalid otherwise. */
    async signIn(key: string): Promise<{ token: string; expiresAt: Date; ttlSeconds: number }> {
      // Digests of equal length, so the comparison takes the same time whatever the key's length.
      if (!timingSafeEqual(sha256(key), keyDigest)) throw new DomainError('admin_key_invalid');
      const now = deps.clock.now();
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + deps.policy.ttlSeconds * 1000);
      await deps.store.deleteExpired(now);
      await deps.store.insert({ tokenHash: tokenHash(token), now, expiresAt });
      return { token, expiresAt, ttlSeconds: deps.policy.ttlSeconds };
    },

    /** admin_session_required unless the token names a live session. */
    async require(token: string | undefined): Promise<void> {
      if (token === undefined || token === '') throw new DomainError('admin_session_required');
      if (!(await deps.store.live(tokenHash(token), deps.clock.now()))) {
        throw new DomainError('admin_session_required');
      }
    },

    async signOut(token: string | undefined): Promise<void> {
      if (token !== undefined && token !== '') await deps.store.delete(tokenHash(token));
    },
  };
}

export type AdminSessions = ReturnType<typeof createAdminSessions>;
