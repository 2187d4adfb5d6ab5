/**
 * Login sessions and one-time tokens, for faces that sign requests per session (CBSS): a customer who
 * proved their password gets a session whose salt keys their client's later signatures; a signature is
 * accepted once. The face keeps only its signature format; the state lives here, behind ports.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from './errors.js';
import type { Clock, LoginSession, LoginSessionStore, UsedTokenStore } from './ports.js';

export type { LoginSession };

/** A login salt signs its session's requests for this long. */
export const LOGIN_SALT_TTL_MS = 30 * 60_000;
/**
 * A request that names no customer is matched against its client's live sessions, newest first, this
 * many at first and ten times more each round until none is left: a valid request usually signs with a
 * recent session, and an old one is still found. What bounds the scan is time: sessions expire after
 * LOGIN_SALT_TTL_MS, and only a verified login opens one.
 */
export const SESSION_SCAN_FIRST = 100;

export function createLoginSessions(deps: {
  sessions: LoginSessionStore;
  usedTokens: UsedTokenStore;
  clock: Clock;
}) {
  const { sessions, usedTokens, clock } = deps;
  return {
    /** Opens a session for a customer who just proved their password; answers its login salt. */
    async open(clientCode: string, customerId: string): Promise<string> {
      const now = clock.now();
      const loginSalt = randomBytes(16).toString('hex');
      await sessions.deleteExpired(now);
      await sessions.insert({
        id: randomUUID(),
        clientCode,
        customerId,
        loginSalt,
        now,
        expiresAt: new Date(now.getTime() + LOGIN_SALT_TTL_MS),
      });
      return loginSalt;
    },

    /** The newest live session of a client (and customer, when named). */
    async newest(clientCode: string, customerId?: string): Promise<LoginSession | undefined> {
      const [newest] = await sessions.live({ clientCode, customerId, now: clock.now(), limit: 1 });
      return newest;
    },

    /** The live session whose salt makes `matches` true, scanning newest first in growing rounds. */
    async find(
      query: { clientCode: string; customerId: string | undefined },
      matches: (session: LoginSession) => boolean,
    ): Promise<LoginSession | undefined> {
      const now = clock.now();
      for (let limit = SESSION_SCAN_FIRST; ; limit *= 10) {
        const live = await sessions.live({ ...query, now, limit });
        const found = live.find(matches);
        if (found !== undefined || live.length < limit) return found;
      }
    },

    /** Accepts a token (a signature) once within `keepMs`; a second time is request_replayed. */
    async useOnce(token: string, scope: string, keepMs: number): Promise<void> {
      const now = clock.now();
      await usedTokens.forgetExpired(now);
      const first = await usedTokens.remember({ token, scope, expiresAt: new Date(now.getTime() + keepMs) });
      if (!first) throw new DomainError('request_replayed');
    },
  };
}

export type LoginSessions = ReturnType<typeof createLoginSessions>;
