/**
 * X-Twilio-Signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security): base64 of HMAC-SHA1,
 * keyed by the Auth Token, over the full URL followed by each POST parameter's name and value, sorted by name.
 */
import { createHmac } from 'node:crypto';
import { equalInConstantTime, type WebhookFields } from '../webhook-request.js';

export function twilioSignature(authToken: string, url: string, postParams: WebhookFields): string {
  let signed = url;
  for (const name of Object.keys(postParams).sort()) {
    const value = postParams[name] ?? '';
    // A repeated parameter contributes name+value once per value, values sorted (as Twilio's own SDKs do).
    for (const item of Array.isArray(value) ? [...value].sort() : [value]) signed += name + item;
  }
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * The URL as given and with its default port toggled: proxies add or drop ":443", and Twilio signs whichever
 * form it was configured with, so its SDKs accept both.
 */
function urlVariants(url: string): string[] {
  const match = /^(https?:)\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const port = DEFAULT_PORT[scheme.toLowerCase()];
  if (port === undefined) return [url];
  const withoutPort = authority.endsWith(`:${port}`) ? authority.slice(0, -port.length - 1) : undefined;
  const toggled = withoutPort ?? (/:\d+$/.test(authority) ? undefined : `${authority}:${port}`);
  return toggled === undefined ? [url] : [url, `${scheme}//${toggled}${rest}`];
}

export function isTwilioSignatureValid(
  authToken: string,
  url: string,
  postParams: WebhookFields,
  signature: string,
): boolean {
  let valid = false;
  // Check every variant (no early exit) so timing does not reveal which form matched.
  for (const variant of urlVariants(url)) {
    if (equalInConstantTime(twilioSignature(authToken, variant, postParams), signature)) valid = true;
  }
  return valid;
}
