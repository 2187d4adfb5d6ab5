/**
 * CBSS request authentication, as its documentation states it: `Signature` = hex SHA-256 of the raw
 * body + the client's key (+ the customer's login salt once signed in), compared in constant time;
 * the DateTime within 5 minutes of our clock; each signature accepted once. When the deployment
 * switched the face's authentication off, signatures are not checked.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import { deleteExpiredCbssSessions, insertCbssSession, liveCbssSessions } from '../../store/cbss-sessions.js';
import { forgetExpiredCbssSignatures, rememberCbssSignature } from '../../store/cbss-signatures.js';
import type { FaceContext } from '../context.js';

/** How far a request's DateTime may be from our clock, either way. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** A DateTime up to 5 minutes ahead stays fresh for 10 minutes; one more covers clock drift between nodes. */
export const SIGNATURE_MEMORY_MS = 2 * CLOCK_SKEW_MS + 60_000;
/** A login salt signs its session's requests for this long. */
export const LOGIN_SALT_TTL_MS = 30 * 60_000;
/** A request that names no Identity is matched against at most this many of its client's newest sessions. */
export const SESSION_SCAN_LIMIT = 1000;

export interface SignedRequest {
  /** The body exactly as received: the signature covers these bytes. */
  raw: Buffer;
  clientCode: string;
  dateTime: string;
  signature: string | undefined;
  /** The customer the request is about; null or absent: the session its signature names. */
  identity?: string | null;
}

export function cbssSignature(raw: Buffer, key: string, loginSalt = ''): Buffer {
  return createHash('sha256').update(raw).update(key, 'utf8').update(loginSalt, 'utf8').digest();
}

/** The signature's bytes, or undefined when it is absent or not 64 hex digits. */
function signatureBytes(signature: string | undefined): Buffer | undefined {
  return signature !== undefined && /^[0-9a-f]{64}$/i.test(signature)
    ? Buffer.from(signature, 'hex')
    : undefined;
}

function checkFresh(dateTime: string, now: Date): void {
  const at = Date.parse(dateTime);
  if (Number.isNaN(at)) {
    throw new DomainError('invalid_request', {
      details: [{ field: '/DateTime', problem: 'must be an ISO 8601 date and time with an offset' }],
    });
  }
  if (Math.abs(now.getTime() - at) > CLOCK_SKEW_MS) throw new DomainError('request_stale');
}

export function createCbssAuth(
  ctx: Pick<FaceContext, 'authRequired' | 'clients' | 'limits' | 'clock' | 'db' | 'domain'>,
) {
  /** The client and its key; a client we do not know signs nothing. */
  async function signingClient(clientCode: string): Promise<{ clientId: string; key: string }> {
    const found = await ctx.clients.signingKey(clientCode);
    if (found === undefined) throw new DomainError('signature_invalid');
    await ctx.limits.client.consume(found.client.id);
    return { clientId: found.client.id, key: found.key };
  }

  async function rememberOnce(signature: Buffer, clientCode: string, now: Date): Promise<void> {
    await forgetExpiredCbssSignatures(ctx.db, now);
    const first = await rememberCbssSignature(ctx.db, {
      signature: signature.toString('hex'),
      clientCode,
      expiresAt: new Date(now.getTime() + SIGNATURE_MEMORY_MS),
    });
    if (!first) throw new DomainError('request_replayed');
  }

  return {
    /** The login: signed with the client's key alone. */
    async verifyLogin(request: SignedRequest): Promise<void> {
      const now = ctx.clock.now();
      checkFresh(request.dateTime, now);
      if (!ctx.authRequired) return;
      const given = signatureBytes(request.signature);
      const { key } = await signingClient(request.clientCode);
      if (given === undefined || !timingSafeEqual(given, cbssSignature(request.raw, key))) {
        throw new DomainError('signature_invalid');
      }
      await rememberOnce(given, request.clientCode, now);
    },

    /**
     * A signed-in customer's request: its session is the client's live session (of the Identity's
     * customer, when one is named) whose login salt makes the signature verify. With authentication
     * off, the newest such session.
     */
    async verifySession(request: SignedRequest): Promise<{ customerId: string; clientId: string | null }> {
      const now = ctx.clock.now();
      checkFresh(request.dateTime, now);
      const named =
        typeof request.identity === 'string'
          ? await ctx.domain.customers.findByIdentity(request.identity)
          : undefined;
      const sessions =
        typeof request.identity === 'string' && named === undefined
          ? []
          : await liveCbssSessions(ctx.db, {
              clientCode: request.clientCode,
              customerId: named?.id,
              now,
              limit: SESSION_SCAN_LIMIT,
            });
      if (!ctx.authRequired) {
        const newest = sessions[0];
        if (newest === undefined) throw new DomainError('session_expired');
        return { customerId: newest.customerId, clientId: null };
      }
      const given = signatureBytes(request.signature);
      const { clientId, key } = await signingClient(request.clientCode);
      const session =
        given === undefined
          ? undefined
          : sessions.find((candidate) =>
              timingSafeEqual(given, cbssSignature(request.raw, key, candidate.loginSalt)),
            );
      // No session told apart from a bad signature: an outsider learns nothing about who is signed in.
      if (given === undefined || session === undefined) throw new DomainError('signature_invalid');
      await rememberOnce(given, request.clientCode, now);
      return { customerId: session.customerId, clientId };
    },

    /** Opens a session for a customer who just proved their password; returns its login salt. */
    async startSession(clientCode: string, customerId: string): Promise<string> {
      const now = ctx.clock.now();
      const loginSalt = randomBytes(16).toString('hex');
      await deleteExpiredCbssSessions(ctx.db, now);
      await insertCbssSession(ctx.db, {
        id: randomUUID(),
        clientCode,
        customerId,
        loginSalt,
        now,
        expiresAt: new Date(now.getTime() + LOGIN_SALT_TTL_MS),
      });
      return loginSalt;
    },
  };
}

export type CbssAuth = ReturnType<typeof createCbssAuth>;
