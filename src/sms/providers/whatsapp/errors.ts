/**
 * WhatsApp Cloud API error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes) ->
 * otpgate's SmsError codes. A code not listed falls back on what the HTTP status says.
 */
import type { SmsErrorCode } from '../../provider.js';

export const WHATSAPP_ERROR_CODES: Readonly<Record<number, SmsErrorCode>> = {
  0: 'invalid_config', // AuthException: the access token could not be checked
  1: 'unavailable', // API Unknown
  2: 'unavailable', // API Service: temporarily down
  3: 'invalid_config', // API Method: the app lacks the capability
  4: 'rate_limited', // API Too Many Calls
  10: 'invalid_config', // Permission denied
  100: 'rejected', // Invalid parameter (e.g. a number WhatsApp cannot take)
  190: 'invalid_config', // Access token expired
  200: 'invalid_config', // Permission not granted
  368: 'invalid_config', // Temporarily blocked for policy violations
  80007: 'rate_limited', // Rate limit issues (the WABA's)
  130429: 'rate_limited', // Cloud API message throughput reached
  130472: 'rejected', // User's number is part of an experiment
  131000: 'unavailable', // Something went wrong
  131005: 'invalid_config', // Access denied
  131008: 'invalid_config', // Required parameter is missing
  131009: 'rejected', // Parameter value is not valid
  131016: 'unavailable', // Service unavailable
  131021: 'rejected', // Recipient cannot be sender
  131026: 'rejected', // Message undeliverable (no WhatsApp, old version, terms not accepted)
  131030: 'rejected', // Recipient phone number not in allowed list (test numbers)
  131031: 'invalid_config', // Account has been locked
  131042: 'invalid_config', // Business eligibility: payment issue
  131045: 'invalid_config', // Incorrect certificate: the number is not registered
  131047: 'rejected', // Re-engagement message: more than 24 hours
  131048: 'rate_limited', // Spam rate limit hit
  131049: 'rejected', // Meta chose not to deliver (ecosystem engagement)
  131051: 'rejected', // Unsupported message type
  131056: 'rate_limited', // (Business account, consumer account) pair rate limit hit
  132000: 'invalid_config', // Template parameter count mismatch
  // Template does not exist in this language: the message fails at once (a workflow's next channel takes
  // over) rather than tripping the provider for the languages it does have.
  132001: 'rejected',
  132005: 'invalid_config', // Template hydrated text too long
  132007: 'invalid_config', // Template format character policy violated
  132012: 'invalid_config', // Template parameter format mismatch
  132015: 'invalid_config', // Template is paused
  132016: 'invalid_config', // Template is disabled
  133004: 'unavailable', // Server temporarily unavailable
  133010: 'invalid_config', // Phone number not registered
};
