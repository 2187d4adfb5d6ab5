/**
 * Delivery receipts -> the message record. A receipt names one part by the provider's id; the message is
 * delivered when every part is, undelivered or failed as soon as one part is. Receipts that arrive twice or
 * out of order change nothing; receipts for a part not recorded yet (the SMSC answered faster than we
 * committed the send, or the id is unknown) are held in the database until the part is recorded.
 *
 * Who applies a held receipt once its part is recorded: the record, when this node holds it (no statement
 * otherwise: a batch's record costs nothing more), and the node that held it, which looks again after its
 * hold commits and then at widening intervals (a record committed on another node meanwhile). Every node also
 * sweeps all held receipts now and then, for those whose holder went away.
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
  /**
   * releaseHeld for a batch of recorded sends, of the receipts this node holds for them: nothing to do, and
   * no statement, unless a receipt came here first.
   */
  releaseHeldOf(sends: readonly { provider: string; refs: readonly string[] }[]): Promise<void>;
  /** Applies every held receipt whose part is recorded by now (one look), and drops those past their time. */
  sweep(): Promise<void>;
  /** Stops the sweeps and resolves once the receipts being recorded now are (before the database closes). */
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
/**
 * After this node holds a receipt, it looks for the part again after these pauses (a record committed on
 * another node, or between our look and our hold), then every SWEEP_EVERY_MS.
 */
const SWEEP_AFTER_MS = [50, 250, 1_000, 5_000, 30_000];
/** How often every node looks for held receipts whose part is recorded, whoever held them. */
const SWEEP_EVERY_MS = 60_000;
/** Held receipts a sweep applies per transaction. */
const SWEEP_CHUNK = 50;
/** Receipts for ids never sent would otherwise pile up here for an hour. */
const HELD_HERE_MAX = 10_000;

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
   * The refs this node holds receipts for, by provider and ref, with when: a record of one of them releases
   * it at once. Bounded: past HELD_HERE_MAX the oldest are left to the sweeps.
   */
  const heldHere = new Map<string, number>();
  const keyOf = (provider: string, ref: string) => `${provider}\0${ref}`;

  /** Receipts this node holds for these sends, released provider by provider; no statement when none. */
  async function releaseHeldOf(
    sends: readonly { provider: string; refs: readonly string[] }[],
  ): Promise<void> {
    const byProvider = new Map<string, string[]>();
    for (const send of sends) {
      for (const ref of send.refs) {
        if (!heldHere.has(keyOf(send.provider, ref))) continue;
        byProvider.set(send.provider, [...(byProvider.get(send.provider) ?? []), ref]);
      }
    }
    for (const [provider, refs] of byProvider) await releaseHeld(provider, refs);
  }

  let sweeping: Promise<void> | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweepStep = 0;
  let sweepDueAt = 0;
  let stopped = false;

  async function sweepOnce(): Promise<void> {
    const recorded = await messageParts(db).heldWithPartRecorded();
    const byProvider = new Map<string, string[]>();
    for (const { provider, ref } of recorded) {
      byProvider.set(provider, [...(byProvider.get(provider) ?? []), ref]);
    }
    // In small transactions, each on its own: one that fails (a row it cannot write) leaves the rest applied.
    for (const [provider, refs] of byProvider) {
      for (let at = 0; at < refs.length; at += SWEEP_CHUNK) {
        await releaseHeld(provider, refs.slice(at, at + SWEEP_CHUNK)).catch((error: unknown) =>
          logger.debug({ err: error, provider }, 'held receipts not applied: the next sweep tries again'),
        );
      }
    }
    await purgeOldHeld();
    const purgedBefore = clock.now().getTime() - heldTtlMs;
    for (const [key, heldAt] of heldHere) if (heldAt < purgedBefore) heldHere.delete(key);
  }

  function sweep(): Promise<void> {
    sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
    return sweeping;
  }

  /**
   * The next sweep: soon after a hold here (a pending sweep that comes sooner stays: a stream of holds does
   * not put it off), then at widening pauses while this node holds receipts, then at the steady pace.
   */
  function scheduleSweep(afterHold: boolean): void {
    if (stopped) return;
    if (afterHold) sweepStep = 0;
    const pause = heldHere.size > 0 ? (SWEEP_AFTER_MS[sweepStep] ?? SWEEP_EVERY_MS) : SWEEP_EVERY_MS;
    if (sweepTimer !== undefined && (!afterHold || sweepDueAt <= Date.now() + pause)) return;
    clearTimeout(sweepTimer);
    sweepStep++;
    sweepDueAt = Date.now() + pause;
    sweepTimer = setTimeout(() => {
      sweepTimer = undefined;
      sweep()
        .catch((error: unknown) => logger.debug({ err: error }, 'held receipts not swept: will try again'))
        .finally(() => scheduleSweep(false));
    }, pause);
    sweepTimer.unref();
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
    for (const ref of refs) heldHere.delete(keyOf(provider, ref));
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
    // The send may have been recorded after we looked and before we held: a record here looks at heldHere
    // after its commit, we look for its parts after ours, so one of the two sees the other; a record on
    // another node is found by the sweeps that follow.
    heldHere.set(keyOf(receipt.provider, receipt.providerRef), clock.now().getTime());
    if (heldHere.size > HELD_HERE_MAX) heldHere.delete(heldHere.keys().next().value as string);
    scheduleSweep(true);
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
  // Held receipts left by a node that went away are applied by whoever sweeps next.
  scheduleSweep(false);
  return {
    record(receipt) {
      const done = record(receipt);
      const tracked = done.catch(() => undefined).finally(() => recording.delete(tracked));
      recording.add(tracked);
      return done;
    },
    releaseHeld,
    releaseHeldOf,
    sweep,
    async settled() {
      stopped = true;
      clearTimeout(sweepTimer);
      while (recording.size > 0) await Promise.all(recording);
      await sweeping?.catch(() => undefined);
    },
  };
}
