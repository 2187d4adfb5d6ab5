/**
 * `twilio://AccountSid:AuthToken@?from=%2B15550001111` (or `messaging_service_sid=MG...`), with optional
 * `base=` (a Twilio-compatible endpoint, e.g. a local replay) and `timeout_ms=`.
 */
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../http-transport.js';
import { splitProviderUrl } from '../provider-url.js';

export const TWILIO_API_BASE = 'https://api.twilio.com';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** Sender number or alphanumeric id; at least one of `from` and `messagingServiceSid` is set. */
  from?: string;
  messagingServiceSid?: string;
  /** API origin without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
}

const KNOWN_PARAMETERS = ['from', 'messaging_service_sid', 'base', 'timeout_ms'] as const;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

export function parseTwilioUrl(url: string): TwilioConfig {
  const parts = splitProviderUrl(url, 'twilio');
  if (parts.scheme !== 'twilio')
    throw new Error(`twilio URL: scheme must be twilio://, not ${parts.scheme}://`);
  if (parts.host !== '' || parts.path !== '') {
    throw new Error(
      "twilio URL: nothing may follow the '@' but '?parameters' (use base= for another endpoint)",
    );
  }
  if (!ACCOUNT_SID.test(parts.username)) {
    throw new Error("twilio URL: the user name must be the Account SID ('AC' and 32 hex digits)");
  }
  if (parts.password === '') throw new Error('twilio URL: the password must be the Auth Token');

  const { params } = parts;
  params.onlyKnown(KNOWN_PARAMETERS);
  const from = params.optional('from');
  const messagingServiceSid = params.optional('messaging_service_sid');
  if (from === undefined && messagingServiceSid === undefined) {
    throw new Error("twilio URL: give 'from' or 'messaging_service_sid'");
  }
  if (messagingServiceSid !== undefined && !MESSAGING_SERVICE_SID.test(messagingServiceSid)) {
    throw new Error("twilio URL: 'messaging_service_sid' must be 'MG' and 32 hex digits");
  }

  return {
    accountSid: parts.username,
    authToken: parts.password,
    from,
    messagingServiceSid,
    baseUrl: params.httpBase('base', TWILIO_API_BASE),
    timeoutMs: params.positiveInteger('timeout_ms', DEFAULT_PROVIDER_TIMEOUT_MS),
  };
}
