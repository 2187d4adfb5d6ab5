/** Queues an SMS in the outbox, in the caller's transaction: the message and its cause commit together. */
import { randomUUID } from 'node:crypto';
import type { SecretBox } from './secret-box.js';
import type { MessageCosts, Store } from './ports.js';
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

export interface OutboxDeps {
  box: SecretBox;
  /** Parts and estimated price of each text. */
  costs: MessageCosts;
}

export function maskSecret(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('•'.repeat(secret.length));
}

export async function queueMessage(
  tx: Store,
  { box, costs }: OutboxDeps,
  input: QueueMessageInput,
): Promise<string> {
  const id = randomUUID();
  const { encoding, parts, price } = costs.costOf(input.text, input.to);
  await tx.messages.enqueue({
    id,
    kind: input.kind,
    to: input.to,
    // The text holds the code: only sealed at rest, and erased once sent.
    bodySealed: box.seal(input.text),
    preview: maskSecret(input.text, input.secret),
    encoding,
    parts,
    price: price?.amount ?? null,
    currency: price?.currency ?? null,
    expiresAt: input.expiresAt,
    verificationId: input.verificationId,
    clientId: input.clientId,
    tenant: input.tenant,
    now: input.now,
  });
  return id;
}
