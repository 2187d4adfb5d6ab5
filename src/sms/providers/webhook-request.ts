/** Reading and authenticating provider webhooks, shared by the providers that report receipts over HTTP. */
import { timingSafeEqual } from 'node:crypto';
import type { WebhookRequest } from '../provider.js';
import { headerValue } from './http-transport.js';

/** A webhook's fields as strings: form bodies already are; JSON numbers and booleans are what was signed as text. */
export type WebhookFields = Record<string, string | string[]>;

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function webhookFields(source: unknown): WebhookFields {
  const fields: WebhookFields = {};
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return fields;
  for (const [name, value] of Object.entries(source)) {
    if (Array.isArray(value)) {
      const texts = value.map(asText).filter((text): text is string => text !== undefined);
      if (texts.length > 0) fields[name] = texts;
      continue;
    }
    const text = asText(value);
    if (text !== undefined) fields[name] = text;
  }
  return fields;
}

export function singleField(fields: WebhookFields, name: string): string | undefined {
  const value = fields[name];
  return Array.isArray(value) ? value[0] : value;
}

export function webhookHeader(request: WebhookRequest, name: string): string | undefined {
  return headerValue(request.headers, name);
}

/** Signatures are compared in constant time so a forger cannot learn the expected one byte by byte. */
export function equalInConstantTime(expected: string, given: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const givenBytes = Buffer.from(given, 'utf8');
  // The length of a digest is public; only its content must not leak.
  if (expectedBytes.length !== givenBytes.length) return false;
  return timingSafeEqual(expectedBytes, givenBytes);
}
