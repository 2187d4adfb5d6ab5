/** Shared by the dispatch tests: queue a text the way the domain does, read a message back, wait for a state. */
import {
  SmsError,
  type DeliveryReceipt,
  type OutgoingSms,
  type SendResult,
  type SmsProvider,
} from '../../../src/sms/provider.js';
import type { MessageKind } from '../../../src/domain/types.js';
import { AUTH, type Harness } from '../../support/harness.js';
import { enqueueTexts } from '../../support/outbox.js';

export interface QueuedText {
  to: string;
  text: string;
  kind?: MessageKind;
  /** Minutes until it is useless; none for notices. */
  expiresInMinutes?: number;
}

/** Puts a message in the outbox as the domain would (sealed text, parts counted) and returns its id. */
export async function queueText(h: Harness, message: QueuedText): Promise<string> {
  const now = h.clock.now();
  const expiresAt =
    message.expiresInMinutes === undefined
      ? null
      : new Date(now.getTime() + message.expiresInMinutes * 60_000);
  const [id] = await enqueueTexts(h.app.database.db, h.app.domain.box, [{ ...message, expiresAt }], now);
  return id ?? '';
}

export interface WireMessage {
  id: string;
  status: string;
  parts: number;
  provider: string | null;
  providerRef: string | null;
  price: number | null;
  currency: string | null;
  attempts: number;
  error: { code: string; message: string | null } | null;
  sentAt: string | null;
  deliveredAt: string | null;
  undeliveredAt: string | null;
  failedAt: string | null;
}

/** GET /v1/messages/{id}, as a client sees it. */
export async function messageOf(h: Harness, id: string): Promise<WireMessage> {
  const reply = await h.app.http.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: AUTH });
  if (reply.statusCode !== 200) throw new Error(`GET /v1/messages/${id}: ${reply.statusCode} ${reply.body}`);
  return reply.json<WireMessage>();
}

/** Polls (real time, a few ms apart) until check() holds: receipts arrive on their own schedule. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000, // a ceiling, not a pace: generous for a busy 2-core CI machine
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the message reaches a status, and returns it as GET /v1/messages/{id} shows it. */
export function statusBecomes(
  h: Harness,
  id: string,
  status: string,
  timeoutMs?: number,
): Promise<WireMessage> {
  return eventually(
    async () => {
      const message = await messageOf(h, id);
      return message.status === status && message;
    },
    `message ${id} to become ${status}`,
    timeoutMs,
  );
}

export type ScriptedReply = SendResult | SmsError | 'hang';

/**
 * A provider whose replies the test scripts, one per send (the last repeats), and which can push receipts
 * like an SMPP link does. `release()` lets every hanging send resolve with its scripted result.
 */
export class ScriptedProvider implements SmsProvider {
  readonly kind = 'scripted';
  readonly sent: OutgoingSms[] = [];
  private listeners: Array<(receipt: DeliveryReceipt) => void> = [];
  private hanging: Array<() => void> = [];
  /** Runs inside send(), after the provider "accepted" the message and before send() returns. */
  beforeReturn: ((message: OutgoingSms, result: SendResult) => Promise<void>) | undefined;

  constructor(
    readonly name: string,
    private readonly replies: Array<ScriptedReply | ((message: OutgoingSms) => ScriptedReply)>,
  ) {}

  async send(message: OutgoingSms): Promise<SendResult> {
    const index = Math.min(this.sent.length, this.replies.length - 1);
    this.sent.push(message);
    const scripted = this.replies[index];
    const reply = typeof scripted === 'function' ? scripted(message) : scripted;
    if (reply === undefined) throw new Error('no scripted reply');
    if (reply === 'hang') {
      await new Promise<void>((resolve) => this.hanging.push(resolve));
      return { providerRef: `${this.name}-${message.id}`, parts: 1 };
    }
    if (reply instanceof SmsError) throw reply;
    await this.beforeReturn?.(message, reply);
    return reply;
  }

  onReceipt(listener: (receipt: DeliveryReceipt) => void): void {
    this.listeners.push(listener);
  }

  emit(receipt: Omit<DeliveryReceipt, 'provider' | 'at'>): void {
    for (const listener of this.listeners) listener({ ...receipt, provider: this.name, at: new Date() });
  }

  release(): void {
    for (const resolve of this.hanging.splice(0)) resolve();
  }

  get hangingCount(): number {
    return this.hanging.length;
  }

  async close(): Promise<void> {
    this.release();
  }
}
