/** One OutgoingSms -> the submit_sm PDUs that carry it: encoding, concatenation UDH or message_payload, addresses. */
import type { PduFields } from 'smpp';
import { encodeGsm7, encodeUcs2, splitParts, type SmsEncoding } from '../../encoding.js';
import { SmsError, type OutgoingSms } from '../../provider.js';
import type { SmppConfig } from './config.js';

export interface SubmitPlan {
  encoding: SmsEncoding;
  /** Parts the handset receives and the operator bills, also when one message_payload PDU carries them. */
  parts: number;
  /** One submit_sm each, in part order. */
  pdus: PduFields[];
}

/** SMPP 3.4 §5.2.19: 0 is the SMSC default alphabet (GSM 03.38), 8 is UCS-2. */
const DATA_CODING: Readonly<Record<SmsEncoding, number>> = { gsm7: 0, ucs2: 8 };
/** SMPP 3.4 §5.2.12: the short message starts with a user data header. */
const ESM_CLASS_UDHI = 0x40;
/** SMPP 3.4 §5.2.17: ask for a receipt on final delivery outcome, success or failure. */
const REGISTERED_DELIVERY_FINAL = 0x01;
/** The 8-bit concatenation IE counts parts in one octet. */
const MAX_PARTS = 255;
/** SMPP 3.4 §5.2.5 TON / §5.2.6 NPI values. */
const TON_UNKNOWN = 0;
const TON_INTERNATIONAL = 1;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const NPI_ISDN = 1;

/** TS 23.040 9.2.3.24.1: UDH length 5, IE 0x00 (concatenation, 8-bit reference), IE length 3. */
export function concatenationUdh(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, sequence]);
}

function encode(text: string, encoding: SmsEncoding): Buffer {
  return encoding === 'gsm7' ? encodeGsm7(text) : encodeUcs2(text);
}

/** A '+' number is international, other digits are left to the SMSC's numbering plan, letters are alphanumeric. */
function sourceAddress(sender: string, config: SmppConfig): PduFields {
  const digits = /^\+?\d+$/.test(sender);
  const ton = digits ? (sender.startsWith('+') ? TON_INTERNATIONAL : TON_UNKNOWN) : TON_ALPHANUMERIC;
  const npi = digits ? NPI_ISDN : NPI_UNKNOWN;
  return {
    source_addr: digits ? sender.replace(/^\+/, '') : sender,
    source_addr_ton: config.sourceTon ?? (sender === '' ? TON_UNKNOWN : ton),
    source_addr_npi: config.sourceNpi ?? (sender === '' ? NPI_UNKNOWN : npi),
  };
}

function destinationAddress(to: string, config: SmppConfig): PduFields {
  // E.164 allows 15 digits; SMPP 3.4 §5.2.9 allows 20 octets for networks that add prefixes.
  if (!/^\+?\d{1,20}$/.test(to)) {
    throw new SmsError('rejected', 'destination is not a phone number', {
      providerCode: 'invalid_destination',
    });
  }
  return {
    destination_addr: to.replace(/^\+/, ''),
    dest_addr_ton: config.destTon,
    dest_addr_npi: config.destNpi,
  };
}

/**
 * The submit_sm fields for a message. Bodies are passed as Buffers with an explicit data_coding, so the smpp
 * package sends our GSM-7 / UCS-2 bytes as they are instead of re-encoding (its default would be data_coding 1).
 */
export function planSubmits(
  message: OutgoingSms,
  config: SmppConfig,
  concatenationRef: () => number,
): SubmitPlan {
  const { encoding, parts } = splitParts(message.text);
  if (parts.length > MAX_PARTS) {
    throw new SmsError('rejected', `message needs ${parts.length} parts; SMS allows ${MAX_PARTS}`, {
      providerCode: 'too_long',
    });
  }
  const common: PduFields = {
    ...sourceAddress(message.from ?? config.sourceAddr, config),
    ...destinationAddress(message.to, config),
    registered_delivery: REGISTERED_DELIVERY_FINAL,
    data_coding: DATA_CODING[encoding],
  };
  if (parts.length === 1) {
    return { encoding, parts: 1, pdus: [{ ...common, short_message: encode(message.text, encoding) }] };
  }
  if (config.longText === 'message_payload') {
    // SMPP 3.4 §5.3.2.32: short_message must be empty when message_payload carries the text; the SMSC splits it.
    const pdu = {
      ...common,
      short_message: Buffer.alloc(0),
      message_payload: encode(message.text, encoding),
    };
    return { encoding, parts: parts.length, pdus: [pdu] };
  }
  const reference = concatenationRef();
  const pdus = parts.map((part, index) => ({
    ...common,
    esm_class: ESM_CLASS_UDHI,
    short_message: Buffer.concat([
      concatenationUdh(reference, parts.length, index + 1),
      encode(part, encoding),
    ]),
  }));
  return { encoding, parts: parts.length, pdus };
}
