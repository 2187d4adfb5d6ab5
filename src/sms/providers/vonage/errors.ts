/**
 * Vonage SMS API status codes (https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms)
 * -> otpgate's SmsError codes. Vonage answers HTTP 200 with a per-part status, so these carry the meaning.
 */
import { SmsError, type SmsErrorCode } from '../../provider.js';
import type { VonageSentPart } from './wire.js';

export const VONAGE_STATUS_CODES: Readonly<Record<string, SmsErrorCode>> = {
  '1': 'rate_limited', // Throttled: faster than the account's throughput
  '2': 'rejected', // Missing parameters (a missing sender is told apart below)
  '3': 'rejected', // Invalid parameters (an invalid sender is told apart below)
  '4': 'invalid_config', // Invalid credentials
  '5': 'unavailable', // Internal error
  '6': 'rejected', // Invalid message: unroutable, e.g. an unrecognised number prefix
  '7': 'rejected', // Number barred
  '8': 'invalid_config', // Partner account barred
  '9': 'invalid_config', // Partner quota violation: not enough credit
  '10': 'rate_limited', // Too many existing binds
  '11': 'invalid_config', // Account not enabled for HTTP
  '12': 'rejected', // Message too long
  '14': 'invalid_config', // Invalid signature
  '15': 'invalid_config', // Invalid sender address
  '22': 'rejected', // Invalid network code
  '23': 'invalid_config', // Invalid callback URL
  '29': 'rejected', // Non-whitelisted destination (demo account)
  '32': 'invalid_config', // Signature and API secret disallowed
  '33': 'rejected', // Number de-activated
};

/** Status 1 says how long to back off: "Throughput Rate Exceeded - please wait [ 1000 ] and retry" (ms). */
const REQUESTED_WAIT = /wait \[\s*([0-9]+)\s*\]/i;

/** Statuses 2 and 3 name the parameter only in error-text; a bad sender or key is ours to fix, not the message's. */
const OUR_PARAMETER = /\b(from|api_key|api_secret|sender)\b/i;

export function vonagePartError(part: VonageSentPart): SmsError {
  const errorText = part['error-text'] ?? 'no error text';
  const listed = VONAGE_STATUS_CODES[part.status];
  const ours = (part.status === '2' || part.status === '3') && OUR_PARAMETER.test(errorText);
  // An unlisted status is treated as transient so the dispatcher fails over instead of failing the user.
  const code = ours ? 'invalid_config' : (listed ?? 'unavailable');
  const wait = REQUESTED_WAIT.exec(errorText)?.[1];
  return new SmsError(code, `vonage: ${errorText} (status ${part.status})`, {
    providerCode: part.status,
    retryAfterMs: wait === undefined ? undefined : Number(wait),
  });
}
