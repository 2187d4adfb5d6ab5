import smpp, { type PduFields } from 'smpp';
import { describe, expect, it } from 'vitest';
import { isReceiptEsmClass, parseReceipt, PartRegistry } from '../../../src/sms/providers/smpp/receipts.js';

/** A deliver_sm as it arrives: encoded by the smpp package and decoded again from the bytes. */
function deliverSm(fields: PduFields) {
  const sent = new smpp.PDU('deliver_sm', { esm_class: 0x04, data_coding: 0, ...fields });
  return new smpp.PDU(sent.toBuffer());
}

const text = (body: string) => deliverSm({ short_message: Buffer.from(body, 'ascii') });

describe('receipt parsing', () => {
  it('reads the SMPP 3.4 Appendix B receipt text', () => {
    const pdu = text(
      'id:0123456789 sub:001 dlvrd:001 submit date:2503011200 done date:2503011201 stat:DELIVRD err:000 text:Your code',
    );

    expect(parseReceipt(pdu)).toEqual({
      id: '0123456789',
      state: 'DELIVRD',
      status: 'delivered',
      errorCode: undefined,
    });
  });

  it('prefers the TLVs, whose id is never truncated', () => {
    const pdu = deliverSm({
      short_message: Buffer.from('id:12345 stat:UNDELIV err:000', 'ascii'),
      receipted_message_id: '1234567890ABCDEF',
      message_state: 2,
    });

    expect(parseReceipt(pdu)).toMatchObject({
      id: '1234567890ABCDEF',
      state: 'DELIVRD',
      status: 'delivered',
    });
  });

  it('ignores id: and stat: inside the free text part', () => {
    const pdu = text('id:77 sub:001 dlvrd:000 stat:UNDELIV err:034 text:id:99 stat:DELIVRD');

    expect(parseReceipt(pdu)).toMatchObject({ id: '77', status: 'undelivered', errorCode: '034' });
  });

  it.each([
    ['DELIVRD', 'delivered'],
    ['UNDELIV', 'undelivered'],
    ['EXPIRED', 'undelivered'],
    ['DELETED', 'undelivered'],
    ['REJECTD', 'failed'],
    ['ACCEPTD', 'sent'],
    ['ENROUTE', 'sent'],
    ['delivered', 'delivered'],
    ['UNKNOWN', undefined],
  ])('maps stat:%s to %s', (state, status) => {
    expect(parseReceipt(text(`id:1 stat:${state} err:000`))?.status).toBe(status);
  });

  it('gives up on a deliver_sm with neither id nor state', () => {
    expect(parseReceipt(text('hello, this is a reply from a phone'))).toBeUndefined();
  });

  it('tells receipts from mobile-originated messages by esm_class', () => {
    expect(isReceiptEsmClass(0x04)).toBe(true);
    expect(isReceiptEsmClass(0x44)).toBe(true);
    expect(isReceiptEsmClass(0x20)).toBe(true);
    expect(isReceiptEsmClass(0x00)).toBe(false);
    expect(isReceiptEsmClass(0x40)).toBe(false);
  });
});

describe('receipt id matching', () => {
  it('matches ids as written, ignoring case and leading zeros', () => {
    const registry = new PartRegistry('auto');
    registry.remember('1a2b', 'msg-1');

    expect(registry.find('1A2B')?.messageId).toBe('msg-1');
    expect(registry.find('00001A2B')?.messageId).toBe('msg-1');
  });

  it('matches a decimal receipt id to a hex submit id and the other way round, in auto mode', () => {
    const registry = new PartRegistry('auto');
    registry.remember('1A2B', 'hex-submitted');
    registry.remember('4660', 'dec-submitted');

    expect(registry.find('6699')?.messageId).toBe('hex-submitted');
    expect(registry.find('1234')?.messageId).toBe('dec-submitted');
  });

  it('with dlr_id=dec, reads a receipt id that is also a valid hex id as the decimal it is', () => {
    const registry = new PartRegistry('dec');
    registry.remember('1A2B', 'ours');
    registry.remember('6699', 'another');

    expect(registry.find('6699')?.messageId).toBe('ours');
    expect(registry.find('26265')?.messageId).toBe('another');
  });

  it('with dlr_id=hex, reads a receipt id as hex for decimal submit ids', () => {
    const registry = new PartRegistry('hex');
    registry.remember('6699', 'ours');
    registry.remember('1A2B', 'another');

    expect(registry.find('1A2B')?.messageId).toBe('ours');
  });

  it('reports an unmatched receipt id as submit_sm_resp would have written it', () => {
    expect(new PartRegistry('dec').unmatchedRef('6699')).toBe('1A2B');
    expect(new PartRegistry('hex').unmatchedRef('1A2B')).toBe('6699');
    expect(new PartRegistry('auto').unmatchedRef('1A2B')).toBe('1A2B');
  });

  it('forgets the oldest ids beyond its size limit', () => {
    const registry = new PartRegistry('auto', 2);
    registry.remember('A1', 'one');
    registry.remember('A2', 'two');
    registry.remember('A3', 'three');

    expect(registry.size).toBe(2);
    expect(registry.find('A1')).toBeUndefined();
    expect(registry.find('A3')?.messageId).toBe('three');
  });
});
