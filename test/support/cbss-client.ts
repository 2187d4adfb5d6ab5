/**
 * A CBSS API client for tests, signing as CBSS documents: Signature = hex SHA-256(body + client key
 * + login salt), computed here independently of the face.
 */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { CLIENT_KEY, type Harness } from './harness.js';

export const CBSS_PATHS = {
  login: '/api/Customer/Login',
  changeMobile: '/api/Customer/ChangeMobilePhoneNumber/1/PasswordAndNewMobilePhoneNumber',
  confirmMobile: '/api/Customer/ChangeMobilePhoneNumber/2/OTP',
} as const;

export function cbssSignature(body: string, clientKey: string, loginSalt = ''): string {
  return createHash('sha256')
    .update(body + clientKey + loginSalt, 'utf8')
    .digest('hex');
}

/** .NET's round-trip format in a local offset, as CBSS's sample shows ("2024-11-18T12:48:02.7466721+08:00"). */
export function dotNetDateTime(at: Date, offsetMinutes = 240): string {
  const local = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const ticks = String(at.getUTCMilliseconds() * 10_000).padStart(7, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  return `${local}.${ticks}${sign}${hours}:${minutes}`;
}

export interface CbssCallOptions {
  /** The session's salt; none for the login. */
  loginSalt?: string;
  language?: string;
  /** Defaults to the harness clock's now. */
  dateTime?: string;
  /** Replaces the computed signature; null sends none. */
  signature?: string | null;
  clientCode?: string;
  contentType?: string;
}

export interface SignedCbssRequest {
  body: string;
  url(path: string): string;
}

export interface CbssClient {
  /** The request body and its signature, without sending it (to send the same bytes twice). */
  sign(content: unknown, options?: CbssCallOptions): SignedCbssRequest;
  /** Sends a signed body as it is (twice, for a replay). */
  send(path: string, signed: SignedCbssRequest, contentType?: string): Promise<LightMyRequestResponse>;
  call(path: string, content: unknown, options?: CbssCallOptions): Promise<LightMyRequestResponse>;
  /** Logs in; the salt and customer number from the reply. */
  login(identity: string, password: string): Promise<{ loginSalt: string; customerId: number }>;
  /** Step 1: the current password and the new number (Identity null: the session is named by the salt). */
  changeMobilePhoneNumber(
    loginSalt: string,
    change: { password: string; newPhone: string; identity?: string | null },
  ): Promise<LightMyRequestResponse>;
  /** Step 2: the OTP texted to the new number (h.lastCode(newPhone)). */
  confirmMobilePhoneNumber(
    loginSalt: string,
    otp: string,
    identity?: string | null,
  ): Promise<LightMyRequestResponse>;
}

export function cbssClient(h: Harness, client = { code: 'test', key: CLIENT_KEY }): CbssClient {
  const sign: CbssClient['sign'] = (content, options = {}) => {
    const body = JSON.stringify({
      ClientCode: options.clientCode ?? client.code,
      DateTime: options.dateTime ?? dotNetDateTime(h.clock.now()),
      Content: content,
    });
    const signature =
      options.signature === undefined
        ? cbssSignature(body, client.key, options.loginSalt)
        : options.signature;
    const query = new URLSearchParams();
    if (signature !== null) query.set('Signature', signature);
    if (options.language !== undefined) query.set('Language', options.language);
    return { body, url: (path) => `${path}?${query.toString()}` };
  };
  const send: CbssClient['send'] = (path, signed, contentType = 'application/json') =>
    h.app.http.inject({
      method: 'POST',
      url: signed.url(path),
      headers: { 'content-type': contentType },
      payload: signed.body,
    });
  const call: CbssClient['call'] = (path, content, options = {}) =>
    send(path, sign(content, options), options.contentType);
  return {
    sign,
    send,
    call,
    changeMobilePhoneNumber: (loginSalt, change) =>
      call(
        CBSS_PATHS.changeMobile,
        {
          Identity: change.identity ?? null,
          Password: change.password,
          NewMobilePhoneNumber: change.newPhone,
        },
        { loginSalt },
      ),
    confirmMobilePhoneNumber: (loginSalt, otp, identity = null) =>
      call(CBSS_PATHS.confirmMobile, { Identity: identity, OTP: otp }, { loginSalt }),
    async login(identity, password) {
      const reply = await send(CBSS_PATHS.login, sign({ Identity: identity, Password: password }));
      if (reply.statusCode !== 200) throw new Error(`CBSS login answered ${reply.statusCode}: ${reply.body}`);
      const { CustomerId, LoginSalt } = reply.json().Content as { CustomerId: number; LoginSalt: string };
      return { loginSalt: LoginSalt, customerId: CustomerId };
    },
  };
}
