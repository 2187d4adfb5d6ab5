/** Typed reads of the smpp package's dynamic PDU fields (everything arrives as `unknown`). */
import type { Pdu } from 'smpp';

export function stringField(pdu: Pdu, name: string): string | undefined {
  const value = pdu[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return undefined;
}

export function numberField(pdu: Pdu, name: string): number | undefined {
  const value = pdu[name];
  return typeof value === 'number' ? value : undefined;
}

export function bufferField(pdu: Pdu, name: string): Buffer | undefined {
  const value = pdu[name];
  return Buffer.isBuffer(value) ? value : undefined;
}

/**
 * short_message / message_payload as text. The package decodes them by data_coding into `{udh?, message}`,
 * where message stays a Buffer for codings it does not know.
 */
export function messageText(pdu: Pdu, name: 'short_message' | 'message_payload'): string | undefined {
  const value = pdu[name];
  const message = typeof value === 'object' && value !== null && 'message' in value ? value.message : value;
  if (typeof message === 'string') return message;
  if (Buffer.isBuffer(message)) return message.toString('latin1');
  return undefined;
}
