/** Queues an SMS in the outbox, in the caller's transaction: the message and its cause commit together. */
import { randomUUID } from 'node:crypto';
import type { SecretBox } from './secret-box.js';
import type { MessageCosts, NewMessage, Store } from './ports.js';
import type { Channel, Locale, MessageKind } from './types.js';

export interface QueueMessageInput {
  kind: MessageKind;
  to: string;
  text: string;
  /** A secret inside the text (the code): masked in the stored preview. */
  secret?: string;
  expiresAt: Date | null;
  /** sms when not told. */
  channel?: Channel;
  /** An email's subject. */
  subject?: string;
  /** WhatsApp: the template carries the code apart from any text, so it is sealed on its own too. */
  sealCode?: boolean;
  locale?: Locale;
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

/** The outbox row of a text: sealed, masked, its parts and price counted. Nothing is written. */
export function messageToQueue({ box, costs }: OutboxDeps, input: QueueMessageInput): NewMessage {
  const channel = input.channel ?? 'sms';
  const costed = costs.costOf(input.text, input.to);
  // SMS parts and prices are the SMS side's; another channel's message is one message, priced by nobody here.
  const { encoding, parts, price } =
    channel === 'sms' ? costed : { encoding: costed.encoding, parts: 1, price: undefined };
  return {
    id: randomUUID(),
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
    channel,
    locale: input.locale ?? null,
    subject: input.subject ?? null,
    codeSealed: input.sealCode === true && input.secret !== undefined ? box.seal(input.secret) : null,
    verificationId: input.verificationId,
    clientId: input.clientId,
    tenant: input.tenant,
    now: input.now,
  };
}

export async function queueMessage(tx: Store, deps: OutboxDeps, input: QueueMessageInput): Promise<string> {
  const message = messageToQueue(deps, input);
  await tx.messages.enqueue(message);
  return message.id;
}
