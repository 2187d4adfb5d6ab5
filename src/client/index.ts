/**
 * `otpgate/client`: a typed client of otpgate's API, on openapi-fetch, with types generated from the app's
 * own OpenAPI document (native-api.ts). Every path, body and reply is checked by the compiler.
 *
 *   const otpgate = createOtpgateClient({ baseUrl: 'https://otp.example.com', apiKey });
 *   const { data, error } = await otpgate.POST('/v1/verifications', { body: { to: '+971501234567' } });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './native-api.js';

export type { components, operations, paths };
export type OtpgateClient = Client<paths>;

export interface OtpgateClientOptions {
  /** Where otpgate answers, e.g. https://otp.example.com (no /v1). */
  baseUrl: string;
  /** The API client's key, sent as a bearer token. */
  apiKey: string;
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** Asks for error messages in this language (en or ar). */
  language?: 'en' | 'ar';
}

export function createOtpgateClient(options: OtpgateClientOptions): OtpgateClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      ...(options.language === undefined ? {} : { 'accept-language': options.language }),
    },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
}
