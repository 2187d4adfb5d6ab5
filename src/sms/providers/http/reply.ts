/** Judging a gateway's reply: the configured success test, the provider ref, and the error class on failure. */
import type { SmsError } from '../../provider.js';
import {
  errorCodeForHttpStatus,
  isSuccessStatus,
  parseJson,
  replyError,
  type ProviderHttpReply,
} from '../http-transport.js';
import { valueAtJsonPath } from './json-path.js';
import type { HttpGatewaySuccessTest } from './wire.js';

/** The first condition of the success test the reply fails, or undefined when it passes. */
export function failedSuccessCondition(
  test: HttpGatewaySuccessTest,
  reply: ProviderHttpReply,
): string | undefined {
  const statusOk = test.status ? test.status.includes(reply.status) : isSuccessStatus(reply.status);
  if (!statusOk) return 'status';
  if (test.bodyContains !== undefined && !reply.text.includes(test.bodyContains)) return 'bodyContains';
  if (test.jsonPath !== undefined) {
    const value = valueAtJsonPath(parseJson(reply.text), test.jsonPath);
    if (value === undefined || value === null) return 'jsonPath';
    if (test.equals !== undefined && String(value) !== String(test.equals)) return 'equals';
  }
  return undefined;
}

/** The gateway's id for the message at refPath, when the reply has one there. */
export function providerRefOf(reply: ProviderHttpReply, refPath: string | undefined): string | undefined {
  if (refPath === undefined) return undefined;
  const value = valueAtJsonPath(parseJson(reply.text), refPath);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * A failed reply as an SmsError. The body stays out of the message: gateways often echo the text, and the
 * text holds the code.
 */
export function gatewayReplyError(
  label: string,
  reply: ProviderHttpReply,
  failed: string,
  now: Date,
): SmsError {
  const isHttpError = reply.status < 200 || reply.status >= 400;
  // An answer that is not an HTTP error but fails the success test is the gateway refusing this message.
  const code = isHttpError ? errorCodeForHttpStatus(reply.status) : 'rejected';
  return replyError(
    code,
    `${label}: HTTP ${reply.status}, reply failed the success test (${failed})`,
    reply,
    now,
  );
}
