/**
 * The signature on every webhook post, as Stripe signs its own (receivers know the scheme):
 * `Otpgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is
 * inside the signed text, so a receiver that refuses posts older than five minutes cannot be replayed to
 * later; docs/webhooks.md shows a receiver's check.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'otpgate-signature';
/** The event's id and type, outside the body too, for receivers that route or deduplicate before parsing. */
export const EVENT_ID_HEADER = 'otpgate-event-id';
export const EVENT_TYPE_HEADER = 'otpgate-event-type';
/** How old a post a receiver should accept; documented, not enforced here. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}
