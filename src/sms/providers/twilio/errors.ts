/**
 * Twilio error codes (https://www.twilio.com/docs/api/errors) -> otpgate's SmsError codes. A code not listed
 * falls back to what its HTTP status says.
 */
import type { SmsError, SmsErrorCode } from '../../provider.js';
import { errorCodeForHttpStatus, parseJson, replyError, type ProviderHttpReply } from '../http-transport.js';
import { readErrorBody } from './wire.js';

export const TWILIO_ERROR_CODES: Readonly<Record<number, SmsErrorCode>> = {
  14107: 'rate_limited', // Message rate limit exceeded
  20003: 'invalid_config', // Authenticate: wrong Account SID or Auth Token
  20005: 'invalid_config', // Account not active
  20404: 'invalid_config', // Resource not found: the Account SID in the path is not ours
  20429: 'rate_limited', // Too many requests
  21211: 'rejected', // Invalid 'To' phone number
  21212: 'invalid_config', // Invalid 'From' phone number
  21408: 'rejected', // Permission to send an SMS has not been enabled for the region
  21601: 'invalid_config', // 'From' is not a valid SMS-capable inbound phone number
  21602: 'rejected', // Message body is required
  21603: 'invalid_config', // 'From' phone number is required
  21604: 'rejected', // 'To' phone number is required
  21606: 'invalid_config', // 'From' is not a valid, SMS-capable number or short code for this account
  // Trial account: every unverified recipient fails the same way, so fail over rather than fail the user.
  21608: 'invalid_config',
  21610: 'rejected', // Attempt to send to unsubscribed recipient (STOP)
  21611: 'rate_limited', // This 'From' number has exceeded the maximum number of queued messages
  21612: 'rejected', // The 'To' phone number is not currently reachable via SMS
  21614: 'rejected', // 'To' number is not a valid mobile number
  21617: 'rejected', // The concatenated message body exceeds the 1600 character limit
  21659: 'invalid_config', // 'From' is not a Twilio phone number or short code
  21730: 'unavailable', // System under maintenance
};

/** The SmsError for a non-2xx Twilio reply. */
export function twilioReplyError(reply: ProviderHttpReply, now: Date): SmsError {
  const body = readErrorBody(parseJson(reply.text));
  const code = (body && TWILIO_ERROR_CODES[body.code]) ?? errorCodeForHttpStatus(reply.status);
  const detail = body ? `${body.message} (Twilio error ${body.code})` : `HTTP ${reply.status}`;
  return replyError(code, `twilio: ${detail}`, reply, now, body ? String(body.code) : undefined);
}
