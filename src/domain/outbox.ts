/** Queues an SMS in the outbox, in the caller's transaction: the message and its cause commit together. */
import { randomUUID } from 'node:crypto';
import { countParts } from '../sms/encoding.js';
import { priceOf, type PriceTable } from '../sms/pricing.js';
import { countryOf } from './phones.js';
import type { SecretBox } from './secret-box.js';
import type { Store } from './ports.js';
import type { MessageKind } from './types.js';

export interface QueueMessageInput {
  kind: MessageKind;
  to: string;
  text: string;
  /** A secret inside the text (the code): masked in the stored preview. */
  secret?: string;
  expiresAt: Date | null;
  verificationId: string | null;
  clientId: string | null;
  tenant: string;
  now: Date;
}

/** How queued messages get their estimated price; the provider's reported price replaces it once sent. */
export interface SmsPricing {
  table: PriceTable;
  currency: string;
}

export interface OutboxDeps {
  box: SecretBox;
  /** Absent: messages go unpriced. */
  pricing?: SmsPricing;
}

export function maskSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('•'.repeat(secret.length));
}

export async function queueMessage(
  tx: Store,
  { box, pricing }: OutboxDeps,
  input: QueueMessageInput,
): Promise<string> {
  const id = randomUUID();
  const { encoding, parts } = countParts(input.text);
  const price = pricing && priceOf(pricing.table, parts, { country: countryOf(input.to) });
  await tx.messages.enqueue({
    id,
    kind: input.kind,
    to: input.to,
    // The text holds the code: only sealed at rest, and erased once sent.
    bodySealed: box.seal(input.text),
    preview: maskSecret(input.text, input.secret),
    encoding,
    parts,
    price: price ?? null,
    currency: price === undefined ? null : (pricing?.currency ?? null),
    expiresAt: input.expiresAt,
    verificationId: input.verificationId,
    clientId: input.clientId,
    tenant: input.tenant,
    now: input.now,
  });
  return id;
}
