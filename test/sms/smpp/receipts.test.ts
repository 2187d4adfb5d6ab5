import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryReceipt } from '../../../src/sms/provider.js';
import { closeAll, otp, providerFor, receipts, smsc } from './helpers.js';

afterEach(closeAll);

const LONG_GSM = 'Your otpgate code is 123456. '.repeat(14);

describe('SMPP delivery receipts', () => {
  it('emits delivered from a receipt that carries the receipted_message_id and message_state TLVs', async () => {
    const server = await smsc({ receiptMode: 'tlv' });
    const provider = providerFor(server);
    const arriving = receipts(provider, 1);

    const result = await provider.send(otp('hello'));

    expect(await arriving).toEqual([
      { provider: 'smpp-test', providerRef: result.providerRef, status: 'delivered', at: expect.any(Date) },
    ]);
  });

  it('emits delivered from a receipt that only has the id:… stat:DELIVRD text', async () => {
    const server = await smsc({ receiptMode: 'text' });
    const provider = providerFor(server);
    const arriving = receipts(provider, 1);

    const result = await provider.send(otp('hello'));

    expect(await arriving).toMatchObject([{ providerRef: result.providerRef, status: 'delivered' }]);
  });

  it('matches a decimal receipt id to the hex id submit_sm_resp gave (dlr_id=auto)', async () => {
    const server = await smsc({ idFormat: 'hex', receiptIdFormat: 'dec', firstMessageId: 0x1a2b });
    const provider = providerFor(server);
    const arriving = receipts(provider, 1);

    const result = await provider.send(otp('hello'));

    expect(result.providerRef).toBe('1A2B');
    expect(await arriving).toMatchObject([{ providerRef: '1A2B', status: 'delivered' }]);
  });

  it('matches a decimal receipt id to the hex id submit_sm_resp gave (dlr_id=dec)', async () => {
    const server = await smsc({ idFormat: 'hex', receiptIdFormat: 'dec', receiptMode: 'tlv' });
    const provider = providerFor(server, { dlr_id: 'dec' });
    const arriving = receipts(provider, 1);

    const result = await provider.send(otp('hello'));

    expect(await arriving).toMatchObject([{ providerRef: result.providerRef, status: 'delivered' }]);
  });

  it('matches a hex receipt id to the decimal id submit_sm_resp gave (dlr_id=hex)', async () => {
    const server = await smsc({ idFormat: 'dec', receiptIdFormat: 'hex', receiptMode: 'tlv' });
    const provider = providerFor(server, { dlr_id: 'hex' });
    const arriving = receipts(provider, 1);

    const result = await provider.send(otp('hello'));

    expect(result.providerRef).toBe('6699');
    expect(await arriving).toMatchObject([{ providerRef: '6699', status: 'delivered' }]);
  });

  it('emits one receipt per part of a long message, each with that part’s ref', async () => {
    const server = await smsc({ receiptMode: 'both' });
    const provider = providerFor(server);
    const arriving = receipts(provider, 3);

    const result = await provider.send(otp(LONG_GSM));

    expect(result.partRefs).toHaveLength(3);
    const got = await arriving;
    expect(got.map((receipt) => receipt.providerRef).sort()).toEqual([...(result.partRefs ?? [])].sort());
    expect(got.every((receipt) => receipt.status === 'delivered')).toBe(true);
  });

  it('never emits a receipt before send() has returned the refs to match it with', async () => {
    const server = await smsc({ receiptMode: 'tlv', receiptDelayMs: 0 });
    const provider = providerFor(server);
    let returned = false;
    const seenBeforeReturn: DeliveryReceipt[] = [];
    provider.onReceipt?.((receipt) => {
      if (!returned) seenBeforeReturn.push(receipt);
    });
    const arriving = receipts(provider, 3);

    await provider.send(otp(LONG_GSM));
    returned = true;

    await arriving;
    expect(seenBeforeReturn).toEqual([]);
  });

  it('reports undeliverable, expired and rejected receipts with their error code', async () => {
    const states = ['UNDELIV', 'EXPIRED', 'REJECTD'];
    const server = await smsc({ receiptState: () => states.shift() ?? 'DELIVRD' });
    const provider = providerFor(server);
    const arriving = receipts(provider, 3);

    const sent = [];
    for (const text of ['a', 'b', 'c']) sent.push((await provider.send(otp(text))).providerRef);

    const byRef = new Map((await arriving).map((receipt) => [receipt.providerRef, receipt]));
    expect(sent.map((ref) => byRef.get(ref))).toMatchObject([
      { status: 'undelivered', errorCode: '001' },
      { status: 'undelivered', errorCode: '001' },
      { status: 'failed', errorCode: '001' },
    ]);
  });

  it('answers receipts for unknown ids and duplicates with deliver_sm_resp, and emits a duplicate once', async () => {
    const server = await smsc({ receiptMode: 'none' });
    // An unknown id waits one submit timeout for a late submit_sm_resp before it is emitted as written.
    const provider = providerFor(server, { submit_timeout_ms: 200 });
    const emitted: DeliveryReceipt[] = [];
    provider.onReceipt?.((receipt) => {
      emitted.push(receipt);
    });
    const arriving = receipts(provider, 2);
    const result = await provider.send(otp('hello'));

    const statuses = [
      await server.sendReceipt({ receiptId: 'FFFF0001' }),
      await server.sendReceipt({ receiptId: result.providerRef, mode: 'tlv' }),
      await server.sendReceipt({ receiptId: result.providerRef, mode: 'text' }),
      await server.sendReceipt({ receiptId: 'no-such-id', state: 'WHATEVER' }),
    ];
    await arriving;

    expect(statuses).toEqual([0, 0, 0, 0]);
    expect(server.stats.receiptErrors).toBe(0);
    expect(emitted.map(({ providerRef, status }) => ({ providerRef, status }))).toEqual([
      { providerRef: result.providerRef, status: 'delivered' },
      { providerRef: 'FFFF0001', status: 'delivered' },
    ]);
  });

  it('matches a receipt that the SMSC sends ahead of its submit_sm_resp', async () => {
    const server = await smsc({ receiptMode: 'text', receiptBeforeResponse: true });
    const provider = providerFor(server);
    const arriving = receipts(provider, 3);

    const result = await provider.send(otp(LONG_GSM));

    const got = await arriving;
    expect(got.map((receipt) => receipt.providerRef).sort()).toEqual([...(result.partRefs ?? [])].sort());
  });

  it('delivers receipts that waited for a re-bind after the connection dropped', async () => {
    // The receipt is due while the client is still backing off, so the SMSC has to keep it for the next bind.
    const server = await smsc({ receiptMode: 'text', receiptDelayMs: 50 });
    const provider = providerFor(server, { rebind_min_ms: 400, rebind_max_ms: 400 });
    const arriving = receipts(provider, 1);
    const result = await provider.send(otp('hello'));

    server.dropConnections();

    expect(await arriving).toMatchObject([{ providerRef: result.providerRef, status: 'delivered' }]);
  });

  it('reads receipts the SMSC sends as data_sm, and answers them with data_sm_resp', async () => {
    const server = await smsc({ receiptMode: 'none' });
    const provider = providerFor(server);
    const arriving = receipts(provider, 2);
    const first = await provider.send(otp('one'));
    const second = await provider.send(otp('two'));

    const statuses = [
      await server.sendReceipt({ receiptId: first.providerRef, command: 'data_sm', mode: 'text' }),
      await server.sendReceipt({
        receiptId: second.providerRef,
        command: 'data_sm',
        mode: 'tlv',
        state: 'UNDELIV',
      }),
    ];

    expect(statuses).toEqual([0, 0]);
    expect(await arriving).toMatchObject([
      { providerRef: first.providerRef, status: 'delivered' },
      { providerRef: second.providerRef, status: 'undelivered' },
    ]);
  });
});
