/**
 * CBSS request authentication, as its documentation states it: `Signature` = SHA-256 of the raw
 * body + the client's key (+ the customer's login salt once signed in), compared in constant time;
 * the DateTime within 5 minutes of our clock; each signature accepted once. When the deployment
 * switched the face's authentication off, signatures are not checked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import type { Caller } from '../../domain/types.js';
import type { FaceContext } from '../context.js';

/** How far a request's DateTime may be from our clock, either way. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** A DateTime up to 5 minutes ahead stays fresh for 10 minutes; one more covers clock drift between nodes. */
export const SIGNATURE_MEMORY_MS = 2 * CLOCK_SKEW_MS + 60_000;
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

/** The signature under each salt, from one hash of body + key: the body (up to 64 KB) is hashed once. */
export function saltedSignatures(raw: Buffer, key: string): (loginSalt: string) => Buffer {
  const unsalted = createHash('sha256').update(raw).update(key, 'utf8');
  return (loginSalt) => unsalted.copy().update(loginSalt, 'utf8').digest();
}

/**
 * The signature's 32 bytes, or undefined when it is absent or malformed. The documentation says only
 * SHA256(...): hex in any case, or Base64 (standard or URL-safe). A `+` the client left unescaped in
 * the query reads as a space, which no Base64 alphabet has, so it is read back as `+`. The format is
 * the caller's, not a secret: checking it first leaks nothing; the digest is compared in constant time.
 */
export function signatureBytes(signature: string | undefined): Buffer | undefined {
  if (signature === undefined) return undefined;
  if (/^[0-9a-f]{64}$/i.test(signature)) return Buffer.from(signature, 'hex');
  const base64 = signature.replace(/ /g, '+');
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(base64) ? Buffer.from(base64, 'base64') : undefined;
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
  ctx: Pick<FaceContext, 'authRequired' | 'clients' | 'limits' | 'clock' | 'domain' | 'config'>,
) {
  const sessions = ctx.domain.loginSessions;
  /** With authentication off, a ClientCode proves nothing: requests act in FACES_WITHOUT_AUTH_TENANT. */
  const unsigned: Caller = { clientId: null, tenant: ctx.config.facesWithoutAuthTenant };

  /**
   * The client and its key; a client we do not know signs nothing. Its quota is not charged here:
   * anyone may write a ClientCode, so only a verified signature spends it (see chargeClient). Every
   * request, refused or not, has already been charged to its IP (app.ts, onRequest).
   */
  async function signingClient(clientCode: string): Promise<{ caller: Caller; key: string }> {
    const found = await ctx.clients.signingKey(clientCode);
    if (found === undefined) throw new DomainError('signature_invalid');
    const { id, tenant, smsCountries } = found.client;
    return { caller: { clientId: id, tenant, smsCountries: smsCountries ?? null }, key: found.key };
  }

  /** After the signature verified, before it is remembered: a throttled request may be sent again as is. */
  async function chargeClient(caller: Caller): Promise<void> {
    await ctx.limits.client.consume(caller.clientId ?? '');
  }

  const rememberOnce = (signature: Buffer, clientCode: string) =>
    sessions.useOnce(signature.toString('hex'), clientCode, SIGNATURE_MEMORY_MS);

  /** The customer a request names by Identity: undefined when it names none, null when nobody has it. */
  async function namedCustomer(
    identity: string | null | undefined,
    tenant: string,
  ): Promise<string | null | undefined> {
    if (typeof identity !== 'string') return undefined;
    return (await ctx.domain.customers.findByIdentity(identity, tenant))?.id ?? null;
  }

  return {
    /** The login: signed with the client's key alone. Answers who signed it. */
    async verifyLogin(request: SignedRequest): Promise<Caller> {
      const now = ctx.clock.now();
      checkFresh(request.dateTime, now);
      if (!ctx.authRequired) return unsigned;
      const given = signatureBytes(request.signature);
      const { caller, key } = await signingClient(request.clientCode);
      if (given === undefined || !timingSafeEqual(given, cbssSignature(request.raw, key))) {
        throw new DomainError('signature_invalid');
      }
      await chargeClient(caller);
      await rememberOnce(given, request.clientCode);
      return caller;
    },

    /**
     * A signed-in customer's request: its session is the client's live session (of the Identity's
     * customer, when one is named) whose login salt makes the signature verify. With authentication
     * off, the newest such session.
     */
    async verifySession(request: SignedRequest): Promise<{ customerId: string; caller: Caller }> {
      const now = ctx.clock.now();
      checkFresh(request.dateTime, now);
      if (!ctx.authRequired) {
        const named = await namedCustomer(request.identity, unsigned.tenant);
        const newest = named === null ? undefined : await sessions.newest(request.clientCode, named);
        if (newest === undefined) throw new DomainError('session_expired');
        return { customerId: newest.customerId, caller: unsigned };
      }
      const given = signatureBytes(request.signature);
      const { caller, key } = await signingClient(request.clientCode);
      const named = await namedCustomer(request.identity, caller.tenant);
      const signatureWith = saltedSignatures(request.raw, key);
      const session =
        given === undefined || named === null
          ? undefined
          : await sessions.find({ clientCode: request.clientCode, customerId: named }, (candidate) =>
              timingSafeEqual(given, signatureWith(candidate.loginSalt)),
            );
      // No session told apart from a bad signature: an outsider learns nothing about who is signed in.
      if (given === undefined || session === undefined) throw new DomainError('signature_invalid');
      await chargeClient(caller);
      await rememberOnce(given, request.clientCode);
      return { customerId: session.customerId, caller };
    },

    /** Opens a session for a customer who just proved their password; returns its login salt. */
    startSession: (clientCode: string, customerId: string) => sessions.open(clientCode, customerId),
  };
}

export type CbssAuth = ReturnType<typeof createCbssAuth>;
