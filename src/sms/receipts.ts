/**
 * Delivery receipts -> the message record. A receipt names one part by the provider's id; the message is
 * delivered when every part is, undelivered or failed as soon as one part is. Receipts that arrive twice or
 * out of order change nothing; receipts for a part not recorded yet (the SMSC answered faster than we
 * committed the send, or the id is unknown) are held in the database until the part is recorded.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/ports.js';
import type { Database } from '../store/database.js';
import { messageParts, type HeldReceipt, type PartStatus } from '../store/message-parts.js';
import type { DeliveryReceipt } from './provider.js';

export interface ReceiptLogger {
  debug(object: object, message: string): void;
}

export type ReceiptOutcome = 'applied' | 'unchanged' | 'held';

export interface ReceiptRecorder {
  /** Applies one receipt; never throws for an unknown, repeated or stale receipt. */
  record(receipt: DeliveryReceipt): Promise<ReceiptOutcome>;
  /** Called once the parts of a send are recorded: applies the receipts that arrived before. */
  releaseHeld(provider: string, refs: readonly string[]): Promise<void>;
  /** releaseHeld for a batch of recorded sends: one look, and a transaction only where receipts are held. */
  releaseHeldOf(sends: readonly { provider: string; refs: readonly string[] }[]): Promise<void>;
  /** Resolves once the receipts being recorded now are (before the database closes). */
  settled(): Promise<void>;
}

export interface ReceiptRecorderOptions {
  db: Kysely<Database>;
  clock: Clock;
  logger: ReceiptLogger;
  /** Held receipts older than this are dropped: a part is recorded within seconds of its receipt, or never. */
  heldTtlMs?: number;
  /**
   * The record of this send, while this node's dispatcher has it in a batch: a receipt that beats it waits
   * for it (milliseconds) instead of going through the held receipts.
   */
  recording?: (provider: string, providerRef: string) => Promise<unknown> | undefined;
}

/** An hour: far beyond any submit reply's delay, short enough that ids never seen do not pile up. */
const DEFAULT_HELD_TTL_MS = 60 * 60_000;
/** Purging is an indexed range delete, but there is no need to run it on every held receipt. */
const PURGE_EVERY_MS = 60_000;

const FINAL: ReadonlySet<PartStatus> = new Set(['delivered', 'undelivered', 'failed']);

/** A part only moves from sent to a final status; a final status is kept (the first outcome is the one billed). */
function advances(current: PartStatus, next: PartStatus): boolean {
  return current !== next && !FINAL.has(current) && FINAL.has(next);
}

/** The message's status from its parts: one part lost is the message lost; delivered needs them all. */
export function messageStatusOf(
  parts: readonly PartStatus[],
): 'sent' | 'delivered' | 'undelivered' | 'failed' {
  if (parts.includes('failed')) return 'failed';
  if (parts.includes('undelivered')) return 'undelivered';
  if (parts.length > 0 && parts.every((status) => status === 'delivered')) return 'delivered';
  return 'sent';
}

function transaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export function createReceiptRecorder(options: ReceiptRecorderOptions): ReceiptRecorder {
  const { db, clock, logger } = options;
  const heldTtlMs = options.heldTtlMs ?? DEFAULT_HELD_TTL_MS;
  let lastPurge = 0;

  /** Undefined when no recorded part has this ref. */
  function applyToPart(on: Kysely<Database>, receipt: HeldReceipt): Promise<ReceiptOutcome | undefined> {
    return transaction(on, async (trx) => {
      const store = messageParts(trx);
      const messageId = await store.messageIdOf(receipt.provider, receipt.providerRef);
      if (messageId === undefined) return undefined;
      const messageStatus = await store.lockMessageStatus(messageId);
      const parts = await store.partsOf(messageId);
      const part = parts.find((p) => p.provider === receipt.provider && p.ref === receipt.providerRef);
      if (messageStatus === undefined || part === undefined) return undefined;
      // Read (WhatsApp) says delivered too, whichever of the two receipts comes first.
      const read = receipt.status === 'read' && (await store.markRead(messageId, receipt.at));
      const status: PartStatus = receipt.status === 'read' ? 'delivered' : receipt.status;
      if (!advances(part.status, status)) {
        if (read) return 'applied';
        logger.debug(
          { messageId, providerRef: receipt.providerRef, status: receipt.status, current: part.status },
          'receipt changes nothing (repeated or stale)',
        );
        return 'unchanged';
      }
      const at = clock.now();
      await store.setStatus(messageId, part.seq, status, receipt.errorCode, at);
      part.status = status;
      const next = messageStatusOf(parts.map((p) => p.status));
      if (next !== 'sent' && next !== messageStatus) {
        await store.setMessageOutcome(messageId, next, receipt.errorCode, receipt.at);
      }
      return 'applied';
    });
  }

  async function purgeOldHeld(): Promise<void> {
    const now = clock.now().getTime();
    if (now - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now;
    const purged = await messageParts(db).purgeHeldBefore(new Date(now - heldTtlMs));
    if (purged > 0) logger.debug({ purged }, 'held receipts for ids never recorded dropped');
  }

  /**
   * Receipts that arrived before these sends were recorded: one look for a whole batch of sends, and for each
   * provider that has some, one transaction (a held receipt is dropped only with its outcome applied).
   */
  async function releaseHeldOf(
    sends: readonly { provider: string; refs: readonly string[] }[],
  ): Promise<void> {
    for (const provider of await messageParts(db).providersHolding(sends)) {
      await releaseHeld(
        provider,
        sends.filter((send) => send.provider === provider).flatMap((send) => send.refs),
      );
    }
  }

  async function releaseHeld(provider: string, refs: readonly string[]): Promise<void> {
    await transaction(db, async (trx) => {
      const store = messageParts(trx);
      const applied: number[] = [];
      for (const receipt of await store.lockHeld(provider, refs)) {
        // Locked for refs already recorded, so a receipt whose part is missing stays held (a safety net).
        if ((await applyToPart(trx, receipt)) !== undefined) applied.push(receipt.id);
      }
      await store.dropHeld(applied);
    });
  }

  async function record(receipt: DeliveryReceipt): Promise<ReceiptOutcome> {
    const held: HeldReceipt = {
      provider: receipt.provider,
      providerRef: receipt.providerRef,
      status: receipt.status,
      errorCode: receipt.errorCode,
      at: receipt.at,
    };
    // A failed record is the dispatcher's to report; the receipt is then held like any other early one.
    await options.recording?.(receipt.provider, receipt.providerRef)?.catch(() => undefined);
    const outcome = await applyToPart(db, held);
    if (outcome !== undefined) return outcome;
    await messageParts(db).hold(held);
    // The send may have been recorded after we looked and before we held: it looks for held receipts
    // after its commit, we look for its parts after ours, so one of the two sees the other.
    if ((await messageParts(db).messageIdOf(receipt.provider, receipt.providerRef)) !== undefined) {
      await releaseHeld(receipt.provider, [receipt.providerRef]);
    } else {
      logger.debug(
        { provider: receipt.provider, providerRef: receipt.providerRef, status: receipt.status },
        'receipt for a part not recorded (yet): held',
      );
    }
    await purgeOldHeld();
    return 'held';
  }

  const recording = new Set<Promise<unknown>>();
  return {
    record(receipt) {
      const done = record(receipt);
      const tracked = done.catch(() => undefined).finally(() => recording.delete(tracked));
      recording.add(tracked);
      return done;
    },
    releaseHeld,
    releaseHeldOf,
    async settled() {
      while (recording.size > 0) await Promise.all(recording);
    },
  };
}
