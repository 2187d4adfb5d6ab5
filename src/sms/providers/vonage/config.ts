/**
 * `vonage://api_key:api_secret@?from=OTPGATE&signature_secret=...`, with optional `base=`, `timeout_ms=` and
 * `signature_method=` (as chosen in the Vonage dashboard). Receipts must be signed; outside production,
 * `unsigned_receipts=accept` takes them unsigned (an account without signing, a local test).
 */
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../http-transport.js';
import { splitProviderUrl } from '../provider-url.js';

export const VONAGE_API_BASE = 'https://rest.nexmo.com';

/** Vonage "Signing Messages": md5hash is the dashboard default; the others are HMACs. */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

export interface VonageConfig {
  apiKey: string;
  apiSecret: string;
  /** Alphanumeric sender id (up to 11 characters) or a number in digits without '+'. */
  from: string;
  baseUrl: string;
  timeoutMs: number;
  /** Delivery receipts must carry a valid `sig` made with this secret. */
  signatureSecret?: string;
  signatureMethod: VonageSignatureMethod;
  /**
   * Without a secret, receipts are refused (anyone could forge one and fail a sent message) unless the
   * operator said `unsigned_receipts=accept`; production refuses to start without a secret at all.
   */
  acceptUnsignedReceipts: boolean;
}

const KNOWN_PARAMETERS = [
  'from',
  'base',
  'timeout_ms',
  'signature_secret',
  'signature_method',
  'unsigned_receipts',
] as const;
// Vonage SMS API "from": a number (digits) or an alphanumeric sender id of at most 11 characters.
const NUMERIC_SENDER = /^[0-9]{1,15}$/;
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;

function isSignatureMethod(value: string): value is VonageSignatureMethod {
  return (VONAGE_SIGNATURE_METHODS as readonly string[]).includes(value);
}

export function parseVonageUrl(url: string): VonageConfig {
  const parts = splitProviderUrl(url, 'vonage');
  if (parts.scheme !== 'vonage')
    throw new Error(`vonage URL: scheme must be vonage://, not ${parts.scheme}://`);
  if (parts.host !== '' || parts.path !== '') {
    throw new Error(
      "vonage URL: nothing may follow the '@' but '?parameters' (use base= for another endpoint)",
    );
  }
  if (parts.username === '') throw new Error('vonage URL: the user name must be the API key');
  if (parts.password === '') throw new Error('vonage URL: the password must be the API secret');

  const { params } = parts;
  params.onlyKnown(KNOWN_PARAMETERS);
  const from = params.required('from').replace(/^\+/, '');
  if (!NUMERIC_SENDER.test(from) && !ALPHANUMERIC_SENDER.test(from)) {
    throw new Error("vonage URL: 'from' must be a number or at most 11 letters, digits and spaces");
  }
  const signatureMethod = params.optional('signature_method') ?? 'md5hash';
  if (!isSignatureMethod(signatureMethod)) {
    throw new Error(`vonage URL: 'signature_method' must be one of ${VONAGE_SIGNATURE_METHODS.join(', ')}`);
  }

  const signatureSecret = params.optional('signature_secret');
  const unsignedReceipts = params.optional('unsigned_receipts');
  if (unsignedReceipts !== undefined && unsignedReceipts !== 'accept') {
    throw new Error("vonage URL: 'unsigned_receipts' can only be 'accept'");
  }
  if (unsignedReceipts !== undefined && signatureSecret !== undefined) {
    throw new Error("vonage URL: give 'signature_secret' or 'unsigned_receipts=accept', not both");
  }

  return {
    apiKey: parts.username,
    apiSecret: parts.password,
    from,
    baseUrl: params.httpBase('base', VONAGE_API_BASE),
    timeoutMs: params.positiveInteger('timeout_ms', DEFAULT_PROVIDER_TIMEOUT_MS),
    signatureSecret,
    signatureMethod,
    acceptUnsignedReceipts: unsignedReceipts === 'accept',
  };
}
