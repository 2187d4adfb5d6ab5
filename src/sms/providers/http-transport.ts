/**
 * The one way HTTP providers reach their API: every request has a deadline, and a transport failure
 * (refused, reset, timed out) always becomes SmsError('unavailable') so the dispatcher can fail over.
 */
import { Agent, request } from 'undici';
import { SmsError, type SmsErrorCode } from '../provider.js';

/** A hung provider must not hold a one-time code past its usefulness; overridable per provider URL (timeout_ms). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

export interface ProviderHttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ProviderHttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface ProviderHttpTransport {
  /** `abort`: the dispatcher's signal; the request is cancelled with it (see SmsProvider.send). */
  send(req: ProviderHttpRequest, abort?: AbortSignal): Promise<ProviderHttpReply>;
  /** POST form fields to a JSON API, as Twilio and Vonage take them. */
  postForm(
    url: string,
    fields: Record<string, string>,
    headers?: Record<string, string>,
    abort?: AbortSignal,
  ): Promise<ProviderHttpReply>;
  close(): Promise<void>;
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** `label` names the provider in error messages; it must not contain secrets. */
export function createProviderHttpTransport(label: string, timeoutMs: number): ProviderHttpTransport {
  // One pool per provider instance, so close() releases exactly its sockets.
  const agent = new Agent({ connect: { timeout: timeoutMs } });
  const transport: ProviderHttpTransport = {
    async send(req, abort) {
      const timeout = AbortSignal.timeout(timeoutMs);
      // An aborted request is closed at once: a gateway that had not answered must not count it as sent.
      // (One that accepted it and lost its reply may still send it: no client can prevent that.)
      const signal = abort === undefined ? timeout : AbortSignal.any([timeout, abort]);
      try {
        const reply = await request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          signal,
        });
        const text = await reply.body.text();
        return { status: reply.statusCode, headers: reply.headers, text };
      } catch (error) {
        const reason = abort?.aborted
          ? 'given up by the dispatcher'
          : timeout.aborted
            ? `no reply within ${timeoutMs} ms`
            : describeFailure(error);
        throw new SmsError('unavailable', `${label}: ${reason}`, { cause: error });
      }
    },
    postForm(url, fields, headers = {}, abort) {
      return transport.send(
        {
          method: 'POST',
          url,
          headers: {
            accept: 'application/json',
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          body: new URLSearchParams(fields).toString(),
        },
        abort,
      );
    },
    close: () => agent.close(),
  };
  return transport;
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** What an HTTP status alone says when the provider's body names no better reason. */
export function errorCodeForHttpStatus(status: number): SmsErrorCode {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status === 401 || status === 403) return 'invalid_config';
  return 'rejected';
}

export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** An SmsError for a reply, with the Retry-After it asked for; providerCode defaults to the HTTP status. */
export function replyError(
  code: SmsErrorCode,
  message: string,
  reply: ProviderHttpReply,
  now: Date,
  providerCode = `http_${reply.status}`,
): SmsError {
  return new SmsError(code, message, {
    providerCode,
    retryAfterMs: retryAfterMs(headerValue(reply.headers, 'retry-after'), now),
  });
}

/**
 * A 2xx whose body is not what the API documents. Not knowing whether the provider took the message, call it
 * transient: a rare duplicate beats a lost code.
 */
export function unreadableReplyError(label: string, reply: ProviderHttpReply, expected: string): SmsError {
  return new SmsError('unavailable', `${label}: HTTP ${reply.status} without ${expected}`, {
    providerCode: `http_${reply.status}`,
  });
}

/** RFC 9110 10.2.3: Retry-After is either delay-seconds or an HTTP-date. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** A reply body as JSON, or undefined when it is not JSON (gateways answer HTML error pages too). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
