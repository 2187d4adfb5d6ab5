/**
 * From receipt PDUs to DeliveryReceipt events: match each to a submitted part, drop duplicates, and keep
 * the order a caller can rely on (a receipt is emitted only after send() has returned the ref it names).
 */
import type { Pdu } from 'smpp';
import type { DeliveryReceipt } from '../../provider.js';
import type { DlrIdFormat } from './config.js';
import { numberField, stringField } from './pdu-fields.js';
import {
  isReceiptEsmClass,
  parseReceipt,
  PartRegistry,
  type KnownPart,
  type ParsedReceipt,
} from './receipts.js';
import type { SmppLogger } from './session.js';

/** A listener records the receipt; a rejection means it was not recorded (the SMSC is asked to resend it). */
export type ReceiptListener = (receipt: DeliveryReceipt) => void | Promise<void>;

/** Beyond this many receipts waiting for their submit_sm_resp, new unmatched ones are emitted at once. */
const MAX_ORPHANS = 1_000;

interface Orphan {
  parsed: ParsedReceipt;
  timer: NodeJS.Timeout;
}

export class ReceiptStream {
  private readonly listeners = new Set<ReceiptListener>();
  private readonly registry: PartRegistry;
  private readonly orphans = new Set<Orphan>();

  constructor(
    private readonly provider: string,
    dlrId: DlrIdFormat,
    private readonly logger: SmppLogger,
    /** How long an unmatched receipt waits for its submit_sm_resp (some SMSCs send the receipt first). */
    private readonly orphanGraceMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.registry = new PartRegistry(dlrId);
  }

  onReceipt(listener: ReceiptListener): void {
    this.listeners.add(listener);
  }

  /** Called synchronously with the submit_sm_resp: a receipt may be the very next PDU in the same read. */
  remember(ref: string, messageId: string): KnownPart {
    const part = this.registry.remember(ref, messageId);
    for (const orphan of this.orphans) {
      if (this.registry.find(orphan.parsed.id) !== part) continue;
      clearTimeout(orphan.timer);
      this.orphans.delete(orphan);
      this.route(orphan.parsed, part);
    }
    return part;
  }

  /** send() has returned (or failed): emit what arrived for these parts meanwhile, after the caller's continuation. */
  release(parts: KnownPart[]): void {
    const held = parts.flatMap((part) => part.held ?? []);
    for (const part of parts) part.held = undefined;
    if (held.length > 0) setImmediate(() => held.forEach((receipt) => void this.emitLogged(receipt)));
  }

  /**
   * A deliver_sm or data_sm from the SMSC; anything that is not a receipt is logged and dropped. Settles once
   * the listeners have taken the receipt, and rejects when one failed to (the PDU is then answered with an
   * error). A receipt that waits for its submit_sm_resp is answered at once: it is held in memory.
   */
  async receive(pdu: Pdu): Promise<void> {
    const esmClass = numberField(pdu, 'esm_class') ?? 0;
    if (!isReceiptEsmClass(esmClass)) {
      const source = stringField(pdu, 'source_addr');
      this.logger.debug({ command: pdu.command, source }, 'mobile-originated message ignored');
      return;
    }
    const parsed = parseReceipt(pdu);
    if (parsed === undefined) {
      this.logger.warn({ command: pdu.command, esmClass }, 'receipt without an id or state ignored');
      return;
    }
    if (parsed.status === undefined) {
      this.logger.debug({ receiptId: parsed.id, state: parsed.state }, 'receipt state says nothing; ignored');
      return;
    }
    const part = this.registry.find(parsed.id);
    if (part !== undefined) await this.route(parsed, part);
    else this.adopt(parsed);
  }

  close(): void {
    for (const orphan of this.orphans) clearTimeout(orphan.timer);
    this.orphans.clear();
  }

  private async route(parsed: ParsedReceipt, part: KnownPart): Promise<void> {
    if (part.lastStatus === parsed.status) {
      this.logger.debug({ providerRef: part.ref, state: parsed.state }, 'duplicate receipt ignored');
      return;
    }
    part.lastStatus = parsed.status;
    const receipt = this.receiptOf(parsed, part.ref);
    this.logger.debug({ providerRef: part.ref, messageId: part.messageId, state: parsed.state }, 'receipt');
    if (part.held) {
      part.held.push(receipt);
      return;
    }
    try {
      await this.emit(receipt);
    } catch (error) {
      // Not recorded: forget the status, so the SMSC's redelivery of this receipt is not taken as a duplicate.
      if (part.lastStatus === parsed.status) part.lastStatus = undefined;
      throw error;
    }
  }

  /** An id we do not know yet: wait briefly for its submit_sm_resp, then emit it as the SMSC wrote it. */
  private adopt(parsed: ParsedReceipt): void {
    const emitUnmatched = (): void => {
      this.logger.debug({ receiptId: parsed.id, state: parsed.state }, 'receipt for an id we do not know');
      void this.emitLogged(this.receiptOf(parsed, this.registry.unmatchedRef(parsed.id)));
    };
    if (this.orphans.size >= MAX_ORPHANS) return emitUnmatched();
    const orphan: Orphan = {
      parsed,
      timer: setTimeout(() => {
        this.orphans.delete(orphan);
        emitUnmatched();
      }, this.orphanGraceMs),
    };
    this.orphans.add(orphan);
  }

  private receiptOf(parsed: ParsedReceipt, providerRef: string): DeliveryReceipt {
    return {
      provider: this.provider,
      providerRef,
      status: parsed.status ?? 'sent',
      ...(parsed.errorCode === undefined ? {} : { errorCode: parsed.errorCode }),
      // Receipt dates are in the SMSC's unstated local time zone; arrival time is the one we can trust.
      at: this.now(),
    };
  }

  /** Every listener's failure is logged; the promise rejects if any listener failed. */
  private async emit(receipt: DeliveryReceipt): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(receipt);
        } catch (error) {
          failures.push(error);
          this.logger.error(
            { err: String(error), providerRef: receipt.providerRef },
            'receipt listener failed',
          );
        }
      }),
    );
    if (failures.length > 0) throw failures[0];
  }

  /** For receipts emitted after their PDU was answered: a failure can only be logged (emit does). */
  private emitLogged(receipt: DeliveryReceipt): Promise<void> {
    return this.emit(receipt).catch(() => undefined);
  }
}
