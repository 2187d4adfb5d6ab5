import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryReceipt } from '../../../src/sms/provider.js';
import { createSmppProvider, parseSmppUrl } from '../../../src/sms/providers/smpp/index.js';
import { closeAll, otp, providerFor, QUICK, smsc } from './helpers.js';

afterEach(closeAll);

const ESME_ROK = 0;
const ESME_RX_T_APPN = 0x64;

describe('SMPP receipt answers', () => {
  it('answers a receipt it could not record with ESME_RX_T_APPN, and takes the redelivery', async () => {
    const server = await smsc({ receiptMode: 'none' });
    const provider = providerFor(server);
    let failNext = true;
    const recorded: DeliveryReceipt[] = [];
    provider.onReceipt?.(async (receipt) => {
      await Promise.resolve();
      if (failNext) {
        failNext = false;
        throw new Error('database unavailable');
      }
      recorded.push(receipt);
    });
    const result = await provider.send(otp('hello'));

    expect(await server.sendReceipt({ receiptId: result.providerRef })).toBe(ESME_RX_T_APPN);
    expect(await server.sendReceipt({ receiptId: result.providerRef })).toBe(ESME_ROK);
    expect(recorded.map(({ providerRef, status }) => ({ providerRef, status }))).toEqual([
      { providerRef: result.providerRef, status: 'delivered' },
    ]);
  });

  it('stamps a receipt with the arrival time of the clock it is given', async () => {
    const server = await smsc({ receiptMode: 'none' });
    const at = new Date('2026-11-23T10:00:00Z');
    const provider = createSmppProvider(parseSmppUrl(server.url(QUICK)), {
      name: 'smpp-clock',
      now: () => at,
    });
    try {
      const seen: DeliveryReceipt[] = [];
      provider.onReceipt?.((receipt) => void seen.push(receipt));
      const result = await provider.send(otp('hello'));
      expect(await server.sendReceipt({ receiptId: result.providerRef })).toBe(ESME_ROK);
      expect(seen.map((receipt) => receipt.at)).toEqual([at]);
    } finally {
      await provider.close();
    }
  });
});
