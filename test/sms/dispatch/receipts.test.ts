import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { startSmppServer, type TestSmppServer } from '../../support/smpp-server.js';
import { QUICK } from '../smpp/helpers.js';
import { eventually, messageOf, queueText, ScriptedProvider, statusBecomes } from './helpers.js';

function heldFor(h: Harness, ref: string) {
  return h.app.database.db
    .selectFrom('sms_held_receipts')
    .select(['provider_ref', 'status'])
    .where('provider_ref', '=', ref)
    .execute();
}

function errorLines(h: Harness): string[] {
  return h.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`delivery receipts on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let provider: ScriptedProvider;
    let h: Harness;
    let refs = 0;

    beforeAll(async () => {
      provider = new ScriptedProvider('scripted', [
        (message) => ({
          providerRef: `ref-${message.id}`,
          partRefs: [`ref-${message.id}-1`, `ref-${message.id}-2`],
          parts: 2,
        }),
      ]);
      h = await startHarness(backend, {}, { providers: [provider] });
    });
    afterAll(async () => h?.close());

    const partRef = (id: string, seq: number) => `ref-${id}-${seq}`;

    it('applies receipts that arrive before the send is recorded, once it is', async () => {
      provider.beforeReturn = async (message) => {
        // The SMSC answered and its receipts came at once: both are held before the dispatcher records the send.
        provider.emit({ providerRef: partRef(message.id, 1), status: 'delivered' });
        provider.emit({ providerRef: partRef(message.id, 2), status: 'delivered' });
        // Both held (emitted in turn, they may commit in either order on a pool).
        for (const seq of [1, 2]) {
          await eventually(
            async () => (await heldFor(h, partRef(message.id, seq))).length === 1,
            `the receipt of part ${seq} held`,
          );
        }
      };
      try {
        const id = await queueText(h, {
          to: uniquePhone(),
          text: 'Your code is 482913',
          expiresInMinutes: 10,
        });
        await h.app.dispatcher.drain();
        // The record releases what this node holds after its commit; a receipt whose own look follows the
        // record releases itself. Either way it lands within moments, not at a sweep's pace.
        expect(await statusBecomes(h, id, 'delivered')).toMatchObject({ parts: 2 });
        expect(await heldFor(h, partRef(id, 1))).toEqual([]);
        expect(await heldFor(h, partRef(id, 2))).toEqual([]);
      } finally {
        provider.beforeReturn = undefined;
      }
    });

    it('ends delivered whichever comes first, receipt or record, across many messages at once', async () => {
      provider.beforeReturn = async (message) => {
        provider.emit({ providerRef: partRef(message.id, 1), status: 'delivered' });
        provider.emit({ providerRef: partRef(message.id, 2), status: 'delivered' });
      };
      try {
        const ids = await Promise.all(
          Array.from({ length: 40 }, () =>
            queueText(h, { to: uniquePhone(), text: 'Your code is 482913', expiresInMinutes: 10 }),
          ),
        );
        await h.app.dispatcher.drain();
        for (const id of ids) await statusBecomes(h, id, 'delivered');
      } finally {
        provider.beforeReturn = undefined;
      }
    });

    it('takes the same receipt twice, and a stale one after it, without error or change', async () => {
      const id = await queueText(h, { to: uniquePhone(), text: 'Your code is 482913', expiresInMinutes: 10 });
      await h.app.dispatcher.drain();
      for (const seq of [1, 2, 1, 2]) provider.emit({ providerRef: partRef(id, seq), status: 'delivered' });
      const delivered = await statusBecomes(h, id, 'delivered');
      provider.emit({ providerRef: partRef(id, 1), status: 'sent' });
      provider.emit({ providerRef: partRef(id, 2), status: 'undelivered' });

      await eventually(
        async () =>
          h.logs.filter((line) => line.includes('receipt changes nothing') && line.includes(id)).length >= 4,
        'the repeated receipts to be logged',
      );
      expect(await messageOf(h, id)).toMatchObject({
        status: 'delivered',
        deliveredAt: delivered.deliveredAt,
      });
      expect(errorLines(h)).toEqual([]);
    });

    it('holds a receipt for an id it never sent, logged at debug, without error', async () => {
      const ref = `never-sent-${++refs}`;
      provider.emit({ providerRef: ref, status: 'delivered' });
      await eventually(async () => (await heldFor(h, ref)).length === 1, 'the unknown receipt held');
      const logged = h.logs.map(
        (line) => JSON.parse(line) as { level: number; msg: string; providerRef?: string },
      );
      expect(logged.find((line) => line.providerRef === ref)).toMatchObject({ level: 20 });
      expect(errorLines(h)).toEqual([]);
    });
  });

  describe.skipIf(skip !== false)(`SMPP receipts ahead of their submit_sm_resp on ${backend.name}`, () => {
    let smsc: TestSmppServer;
    let h: Harness;

    beforeAll(async () => {
      smsc = await startSmppServer({
        systemId: 'otpgate',
        password: 'secret',
        receiptBeforeResponse: true,
        receiptMode: 'tlv',
      });
      // An unmatched receipt waits for its submit_sm_resp as long as a submit may take: short here.
      h = await startHarness(backend, { SMS_PROVIDERS: smsc.url({ ...QUICK, submit_timeout_ms: 300 }) });
    });
    afterAll(async () => {
      await h?.close();
      await smsc?.close();
    });

    it('makes a message delivered when the SMSC sends its receipt before the submit_sm_resp', async () => {
      const id = await queueText(h, {
        to: uniquePhone(),
        text: `Your code is 482913. ${'x'.repeat(150)}`,
        expiresInMinutes: 10,
      });
      await h.app.dispatcher.drain();
      await statusBecomes(h, id, 'delivered');
      expect(smsc.stats.receiptErrors).toBe(0);
    });

    it('answers a receipt for an unknown id with ESME_ROK and holds it, without error', async () => {
      expect(await smsc.sendReceipt({ receiptId: 'FFFFFF01', state: 'DELIVRD' })).toBe(0);
      await eventually(
        async () => (await heldFor(h, 'FFFFFF01')).length === 1,
        'the unknown receipt held',
        8_000,
      );
      expect(errorLines(h)).toEqual([]);
    });
  });
}
