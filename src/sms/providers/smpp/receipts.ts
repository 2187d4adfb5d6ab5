/**
 * Delivery receipts: reading a receipt deliver_sm (TLVs first, else the SMPP 3.4 Appendix B text) and
 * matching its id to the submit_sm_resp ids we were given, in whichever of hex or decimal the SMSC wrote it.
 */
import type { Pdu } from 'smpp';
import type { DeliveryReceipt, ReceiptStatus } from '../../provider.js';
import type { DlrIdFormat } from './config.js';
import { bufferField, messageText, numberField, stringField } from './pdu-fields.js';

export interface ParsedReceipt {
  /** The id as the receipt wrote it. */
  id: string;
  /** Appendix B state name (DELIVRD, UNDELIV, ...), also when it came as the message_state TLV. */
  state: string;
  /** Undefined for states that say nothing (UNKNOWN): such receipts are dropped. */
  status: ReceiptStatus | undefined;
  errorCode: string | undefined;
}

/** SMPP 3.4 §5.2.12: message type bits 2-5; SMSC delivery receipt and intermediate notification carry receipts. */
const MESSAGE_TYPE_MASK = 0x3c;
const SMSC_DELIVERY_RECEIPT = 0x04;
const INTERMEDIATE_NOTIFICATION = 0x20;

export function isReceiptEsmClass(esmClass: number): boolean {
  const type = esmClass & MESSAGE_TYPE_MASK;
  return type === SMSC_DELIVERY_RECEIPT || type === INTERMEDIATE_NOTIFICATION;
}

/** SMPP 3.4 §5.2.28 message_state values, named as Appendix B writes them in receipt text. */
const STATE_OF_MESSAGE_STATE: Readonly<Record<number, string>> = {
  0: 'SCHEDULED',
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
  9: 'SKIPPED',
};

/** Spelled-out names some SMSCs write instead of Appendix B's seven letters. */
const STATE_ALIASES: Readonly<Record<string, string>> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  ACCEPTED: 'ACCEPTD',
  REJECTED: 'REJECTD',
};

const STATUS_OF_STATE: Readonly<Record<string, ReceiptStatus | undefined>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undelivered',
  EXPIRED: 'undelivered',
  DELETED: 'undelivered',
  SKIPPED: 'undelivered',
  // The SMSC refused the message itself: retrying the same text to the same number will not help.
  REJECTD: 'failed',
  ACCEPTD: 'sent',
  ENROUTE: 'sent',
  SCHEDULED: 'sent',
  UNKNOWN: undefined,
};

export function statusOfState(state: string): ReceiptStatus | undefined {
  return STATUS_OF_STATE[state];
}

function normalState(raw: string): string {
  const upper = raw.toUpperCase();
  return STATE_ALIASES[upper] ?? upper;
}

/** Appendix B fields before "text:", which is free text and may itself contain "id:" or "stat:". */
function receiptTextFields(text: string): Map<string, string> {
  const head = text.split(/\btext:/i)[0] ?? '';
  const fields = new Map<string, string>();
  for (const match of head.matchAll(/\b(id|stat|err):(\S*)/gi)) {
    const [, key, value] = match;
    if (key !== undefined && value !== undefined && !fields.has(key.toLowerCase())) {
      fields.set(key.toLowerCase(), value);
    }
  }
  return fields;
}

/** SMPP 3.4 §5.3.2.31 network_error_code: network type octet, then a 2-octet error. */
function networkErrorCode(pdu: Pdu): string | undefined {
  const value = bufferField(pdu, 'network_error_code');
  if (value === undefined || value.length < 3) return undefined;
  const code = value.readUInt16BE(1);
  return code === 0 ? undefined : `${value[0]}:${code}`;
}

/** Reads a receipt deliver_sm; undefined when it carries neither the TLVs nor readable receipt text. */
export function parseReceipt(pdu: Pdu): ParsedReceipt | undefined {
  const text = messageText(pdu, 'short_message') || messageText(pdu, 'message_payload') || '';
  const fields = receiptTextFields(text);
  // The TLV id is the full id; Appendix B allows the text to truncate it to 10 characters.
  const id = stringField(pdu, 'receipted_message_id') || fields.get('id');
  const messageState = numberField(pdu, 'message_state');
  const tlvState = messageState === undefined ? undefined : STATE_OF_MESSAGE_STATE[messageState];
  const textState = fields.get('stat');
  const state = tlvState ?? (textState ? normalState(textState) : undefined);
  if (!id || state === undefined) return undefined;
  const err = fields.get('err');
  const errorCode = err !== undefined && /[^0]/.test(err) ? err : networkErrorCode(pdu);
  return { id, state, status: statusOfState(state), errorCode };
}

/** One submitted part we may get receipts for. */
export interface KnownPart {
  /** The id exactly as submit_sm_resp gave it (what send() returned, what the dispatcher stored). */
  ref: string;
  /** otpgate's message id. */
  messageId: string;
  lastStatus: ReceiptStatus | undefined;
  /** Receipts that arrived before send() returned this ref; undefined once it has (they are emitted then). */
  held: DeliveryReceipt[] | undefined;
}

const HEX = /^[0-9a-f]+$/i;
const DEC = /^[0-9]+$/;

/**
 * Remembers submit_sm_resp ids and finds them again from a receipt id. Each id is indexed as written and,
 * where it reads as one, as a hex and as a decimal number, so "1A2B", "00001a2b" and "6699" can meet.
 */
export class PartRegistry {
  private readonly parts = new Map<string, KnownPart>();
  private readonly byKey = new Map<string, KnownPart>();

  constructor(
    private readonly dlrId: DlrIdFormat,
    /** About a day of OTP traffic at a few per second; receipts older than that are matched by the caller. */
    private readonly maxParts = 100_000,
  ) {}

  remember(ref: string, messageId: string): KnownPart {
    const part: KnownPart = { ref, messageId, lastStatus: undefined, held: [] };
    this.parts.delete(ref);
    this.parts.set(ref, part);
    for (const key of keysOfSubmittedId(ref)) this.byKey.set(key, part);
    if (this.parts.size > this.maxParts) this.forgetOldest();
    return part;
  }

  find(receiptId: string): KnownPart | undefined {
    for (const key of lookupKeys(receiptId, this.dlrId)) {
      const part = this.byKey.get(key);
      if (part) return part;
    }
    return undefined;
  }

  /** The id to report for a receipt we cannot match (e.g. sent before a restart): as submit_sm_resp would write it. */
  unmatchedRef(receiptId: string): string {
    if (this.dlrId === 'dec' && DEC.test(receiptId)) return BigInt(receiptId).toString(16).toUpperCase();
    if (this.dlrId === 'hex' && HEX.test(receiptId)) return BigInt(`0x${receiptId}`).toString(10);
    return receiptId;
  }

  get size(): number {
    return this.parts.size;
  }

  private forgetOldest(): void {
    const oldest = this.parts.values().next().value;
    if (oldest === undefined) return;
    this.parts.delete(oldest.ref);
    for (const key of keysOfSubmittedId(oldest.ref)) {
      if (this.byKey.get(key) === oldest) this.byKey.delete(key);
    }
  }
}

function keysOfSubmittedId(ref: string): string[] {
  const keys = [`s:${ref.toLowerCase()}`];
  if (HEX.test(ref)) keys.push(`x:${BigInt(`0x${ref}`)}`);
  if (DEC.test(ref)) keys.push(`d:${BigInt(ref)}`);
  return keys;
}

/**
 * Keys to try, in order, for a receipt id. dlr_id=dec: the receipt is decimal and submit_sm_resp was hex;
 * dlr_id=hex: the other way round (Jasmin's dlr_msgid 1 and 2). auto tries the id as written first.
 */
function lookupKeys(receiptId: string, dlrId: DlrIdFormat): string[] {
  const asWritten = `s:${receiptId.toLowerCase()}`;
  const decimalOfHexRef = DEC.test(receiptId) ? `x:${BigInt(receiptId)}` : undefined;
  const hexOfDecimalRef = HEX.test(receiptId) ? `d:${BigInt(`0x${receiptId}`)}` : undefined;
  const sameFormatHex = HEX.test(receiptId) ? `x:${BigInt(`0x${receiptId}`)}` : undefined;
  const sameFormatDec = DEC.test(receiptId) ? `d:${BigInt(receiptId)}` : undefined;
  const keys =
    dlrId === 'dec'
      ? [decimalOfHexRef, asWritten]
      : dlrId === 'hex'
        ? [hexOfDecimalRef, asWritten]
        : [asWritten, sameFormatHex, sameFormatDec, decimalOfHexRef, hexOfDecimalRef];
  return keys.filter((key): key is string => key !== undefined);
}
