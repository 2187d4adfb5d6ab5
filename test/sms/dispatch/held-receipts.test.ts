/** A held receipt is dropped only once its outcome is applied: a failure while applying keeps it held. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { createReceiptRecorder } from '../../../src/sms/receipts.js';
import { messageParts } from '../../../src/store/message-parts.js';
import { backends } from '../../support/database.js';
import { startHarness, uniquePhone, type Harness } from '../../support/harness.js';
import { messageOf, queueText, ScriptedProvider, statusBecomes } from './helpers.js';

/** Makes every UPDATE of a part fail while `failing` is set, as a lost connection would. */
class FailPartUpdates implements KyselyPlugin {
  failing = true;
  transformQuery({ node }: PluginTransformQueryArgs): PluginTransformQueryArgs['node'] {
    if (
      this.failing &&
      node.kind === 'UpdateQueryNode' &&
      JSON.stringify(node).includes('sms_message_parts')
    ) {
      throw new Error('connection lost');
    }
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<PluginTransformResultArgs['result']> {
    return result;
  }
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`held receipts on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    const provider = new ScriptedProvider('held', [
      (message) => ({ providerRef: `ref-${message.id}`, parts: 1 }),
    ]);
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness(backend, {}, { providers: [provider] });
    });
    afterAll(async () => h?.close());

    it('keeps a held receipt when applying it fails, and applies it on the next release', async () => {
      const id = await queueText(h, { to: uniquePhone(), text: 'Your code is 482913', expiresInMinutes: 10 });
      await h.app.dispatcher.drain();
      const ref = `ref-${id}`;
      const db = h.app.database.db;
      // Held as if it had arrived before the send was recorded, and not released yet.
      await messageParts(db).hold({
        provider: 'held',
        providerRef: ref,
        status: 'delivered',
        errorCode: undefined,
        at: h.clock.now(),
      });
      const logger = { debug() {} };
      const failing = new FailPartUpdates();
      const broken = createReceiptRecorder({ db: db.withPlugin(failing), clock: h.clock, logger });

      await expect(broken.releaseHeld('held', [ref])).rejects.toThrow('connection lost');
      expect(await messageOf(h, id)).toMatchObject({ status: 'sent' });

      const recorder = createReceiptRecorder({ db, clock: h.clock, logger });
      await recorder.releaseHeld('held', [ref]);
      expect(await messageOf(h, id)).toMatchObject({ status: 'delivered' });
      const left = await db
        .selectFrom('sms_held_receipts')
        .select('id')
        .where('provider_ref', '=', ref)
        .execute();
      expect(left).toEqual([]);
    });

    // Another node took the receipt before this one recorded the send: the record looks for nothing (it holds
    // nothing here), and the node that held the receipt applies it when it looks again.
    for (const how of ['by its sweep', 'by itself, soon after']) {
      it(`applies a receipt held on another node once the send is recorded here, ${how}`, async () => {
        const logger = { debug() {} };
        const otherNode = createReceiptRecorder({ db: h.app.database.db, clock: h.clock, logger });
        provider.beforeReturn = async (message) => {
          const outcome = await otherNode.record({
            provider: 'held',
            providerRef: `ref-${message.id}`,
            status: 'delivered',
            errorCode: undefined,
            at: h.clock.now(),
          });
          expect(outcome).toBe('held');
        };
        try {
          const id = await queueText(h, {
            to: uniquePhone(),
            text: 'Your code is 482913',
            expiresInMinutes: 10,
          });
          await h.app.dispatcher.drain();
          if (how === 'by its sweep') {
            await otherNode.sweep();
            expect(await messageOf(h, id)).toMatchObject({ status: 'delivered' });
          } else {
            await statusBecomes(h, id, 'delivered');
          }
        } finally {
          provider.beforeReturn = undefined;
          await otherNode.settled();
        }
      });
    }
  });
}
