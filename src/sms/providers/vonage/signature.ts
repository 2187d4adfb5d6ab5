/**
 * Vonage signed webhooks (https://developer.vonage.com/en/getting-started/concepts/signing-messages): every
 * parameter but `sig`, sorted by name, as `&name=value` with '&' and '=' in values replaced by '_'; then
 * md5hash = MD5(that + secret), or an HMAC of it keyed by the secret; hex, compared case-insensitively.
 */
import { createHash, createHmac } from 'node:crypto';
import { equalInConstantTime, singleField, type WebhookFields } from '../webhook-request.js';
import type { VonageSignatureMethod } from './config.js';

function signedQuery(fields: WebhookFields): string {
  let query = '';
  for (const name of Object.keys(fields).sort()) {
    if (name === 'sig') continue;
    query += `&${name}=${(singleField(fields, name) ?? '').replace(/[&=]/g, '_')}`;
  }
  return query;
}

export function vonageSignature(
  fields: WebhookFields,
  secret: string,
  method: VonageSignatureMethod,
): string {
  const query = signedQuery(fields);
  if (method === 'md5hash')
    return createHash('md5')
      .update(query + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(query, 'utf8').digest('hex');
}

export function isVonageSignatureValid(
  fields: WebhookFields,
  secret: string,
  method: VonageSignatureMethod,
): boolean {
  const given = singleField(fields, 'sig');
  if (given === undefined) return false;
  return equalInConstantTime(vonageSignature(fields, secret, method).toLowerCase(), given.toLowerCase());
}
